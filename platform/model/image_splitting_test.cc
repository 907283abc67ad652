// Image splitting end to end: a detail that the downscaled whole image cannot show reaches the
// LLM through the tiles. Two 16 x 16 images differ only by a pattern that a 2x downscale
// cancels exactly (the third difference -1, 3, -3, 1 along x, which the (1, 3, 3, 1) / 8
// filter of a 2x area-aware bilinear downscale maps to zero). Seen whole at the encoder's 8 px
// they give the same logits; split into 2 x 2 tiles of 8 px plus the global view, the tiles
// carry the pattern at full resolution and the logits differ. Both fusion styles, on the real
// vit, mlp, llama plugins through data::ProcessSample and CollateBatch, as training and
// evaluation prepare images.
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "platform/data/batch.h"
#include "platform/model/model_inputs.h"
#include "platform/model/testing/order_one_weights.h"
#include "platform/model/vlm_model.h"
#include "platform/registry/global_registries.h"

namespace vlmlab {
namespace {

std::unique_ptr<VlmModel> Build(const std::string& fusion) {
  Model spec;
  const std::string text = absl::StrCat(
      "encoder { vit { image_size: 8 patch_size: 4 width: 16 depth: 1 heads: 2 } }\n"
      "projector { mlp {} }\n"
      "fusion { ",
      fusion, " }\nllm { llama { hidden: 16 layers: 2 heads: 2 max_seq_len: 256 } }\n");
  CHECK(google::protobuf::TextFormat::ParseFromString(text, &spec)) << text;
  absl::StatusOr<std::unique_ptr<VlmModel>> m = BuildVlm(spec, GlobalRegistries(), 5);
  CHECK(m.ok()) << m.status();
  // Weights of order one (and open cross-attention gates), so what the images carry shows.
  model_testing::SetOrderOneWeights(**m, 1000);
  (*m)->SetTraining(false);
  return std::move(*m);
}

// Mid-gray, plus (with `detail`) the pattern 30 * (-1, 3, -3, 1) at x = 5..8 on rows 2..13.
Image TestPicture(bool detail) {
  Image img(16, 16, 3);
  const int pattern[4] = {-1, 3, -3, 1};
  for (int y = 0; y < 16; ++y) {
    for (int x = 0; x < 16; ++x) {
      int v = 128;
      if (detail && y >= 2 && y < 14 && x >= 5 && x < 9) v += 30 * pattern[x - 5];
      for (int c = 0; c < 3; ++c) img.at(x, y)[c] = static_cast<uint8_t>(v);
    }
  }
  return img;
}

// Logits f32 [1, T, vocab] of "<image>What is it?" for the picture, prepared as the model's
// data pipeline does with `max_tiles_per_side` (0: no splitting); `tensors` gets the image
// tensors that reached the model.
Tensor PictureLogits(VlmModel& m, bool detail, int max_tiles_per_side, int64_t* tensors) {
  data::ImagePreprocessOptions image;
  image.size = 8;
  image.patch_size = 4;
  image.norm = data::Normalization::Siglip();
  image.max_tiles_per_side = max_tiles_per_side;
  data::ChatTemplateOptions chat;
  chat.layout = m.layout();
  chat.max_length = 256;
  Sample s;
  s.key = detail ? "detail" : "plain";
  s.images.push_back(TestPicture(detail));
  s.turns = {{Turn::kUser, "<image>What is it?"}, {Turn::kAssistant, "a pattern"}};
  absl::StatusOr<data::ProcessedSample> p =
      data::ProcessSample(std::move(s), m.tokenizer(), image, chat);
  CHECK(p.ok()) << p.status();
  std::vector<data::ProcessedSample> rows;
  rows.push_back(std::move(*p));
  data::Batch batch = data::CollateBatch(std::move(rows), data::PadId(m.tokenizer()));
  *tensors = batch.images.size(0);
  absl::StatusOr<Tensor> logits = m.Logits(ToModelInputs(batch));
  CHECK(logits.ok()) << logits.status();
  return *logits;
}

double MaxAbsDiff(const Tensor& a, const Tensor& b) {
  std::vector<float> x = a.ToVector(), y = b.ToVector();
  CHECK_EQ(x.size(), y.size());
  double d = 0;
  for (size_t i = 0; i < x.size(); ++i) d = std::max(d, std::fabs(double{x[i]} - y[i]));
  return d;
}

class ImageSplittingTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ImageSplittingTest, ADetailTheWholeImageLosesReachesTheLlmThroughTheTiles) {
  std::unique_ptr<VlmModel> m = Build(GetParam());
  int64_t tensors = 0;
  // Whole image at 8 px: the detail is gone, the logits equal those of the plain picture.
  Tensor whole_detail = PictureLogits(*m, true, 0, &tensors);
  EXPECT_EQ(tensors, 1);
  Tensor whole_plain = PictureLogits(*m, false, 0, &tensors);
  EXPECT_LT(MaxAbsDiff(whole_detail, whole_plain), 1e-4);
  // 2 x 2 tiles of 8 px plus the global view: the tiles show it.
  Tensor split_detail = PictureLogits(*m, true, 2, &tensors);
  EXPECT_EQ(tensors, 5);
  Tensor split_plain = PictureLogits(*m, false, 2, &tensors);
  EXPECT_GT(MaxAbsDiff(split_detail, split_plain), 1e-2);
}

INSTANTIATE_TEST_SUITE_P(
    BothFusionStyles, ImageSplittingTest,
    ::testing::Values("self_attention {}",
                      // PRECEDING_IMAGE: the text after the image sees all of its crops
                      // (cross_attention_fusion_test: SplitImageCountsAsOneImage).
                      "cross_attention { every_n_layers: 1 }"),
    [](const ::testing::TestParamInfo<std::string>& info) {
      return info.index == 0 ? std::string("SelfAttention") : std::string("CrossAttention");
    });

}  // namespace
}  // namespace vlmlab
