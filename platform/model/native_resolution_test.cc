// Native resolution end to end: images of different sizes are zero-padded to a batch's largest
// (data::CollateBatch), and the padding must not change what an image says. The vit masks the
// padding patches out of attention and gives each image the positions of its own grid; the
// perceiver masks them out of its keys. So a 16 x 8 image padded beside a 16 x 16 one gives
// the visual tokens and logits it gives alone; a control without the sizes shows the padding
// would change them. A projector that would hand padding tokens to the LLM refuses the batch.
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "platform/autograd/grad_mode.h"
#include "platform/data/batch.h"
#include "platform/data/data_testing.h"
#include "platform/model/model_inputs.h"
#include "platform/model/testing/order_one_weights.h"
#include "platform/model/vlm_model.h"
#include "platform/ops/shape_ops.h"
#include "platform/registry/global_registries.h"

namespace vlmlab {
namespace {

std::unique_ptr<VlmModel> Build(const std::string& vit, const std::string& projector) {
  Model spec;
  const std::string text = absl::StrCat(
      "encoder { vit { image_size: 16 patch_size: 4 width: 16 depth: 2 heads: 2 "
      "native_resolution: true ",
      vit, " } }\nprojector { ", projector,
      " }\nfusion { self_attention { max_images_per_sample: 1 } }\n"
      "llm { llama { hidden: 16 layers: 1 heads: 2 max_seq_len: 64 } }\n");
  CHECK(google::protobuf::TextFormat::ParseFromString(text, &spec)) << text;
  absl::StatusOr<std::unique_ptr<VlmModel>> m = BuildVlm(spec, GlobalRegistries(), 3);
  CHECK(m.ok()) << m.status();
  // Weights of order one, so that a changed attention pattern shows clearly.
  model_testing::SetOrderOneWeights(**m, 500);
  (*m)->SetTraining(false);
  return std::move(*m);
}

// A sample with one picture of `width` x `height`, prepared at native resolution (longer side
// at most 16, sides multiples of the 4 px patch).
data::ProcessedSample Prepared(VlmModel& m, int width, int height, int seed) {
  data::ImagePreprocessOptions image;
  image.mode = data::ResizeMode::kNative;
  image.size = 16;
  image.patch_size = 4;
  image.norm = data::Normalization::Siglip();
  data::ChatTemplateOptions chat;
  chat.layout = m.layout();
  Sample s;
  s.key = absl::StrCat("s", seed);
  s.images.push_back(data::testing::TestImage(width, height, seed));
  s.turns = {{Turn::kUser, "<image>What?"}, {Turn::kAssistant, "it"}};
  absl::StatusOr<data::ProcessedSample> p =
      data::ProcessSample(std::move(s), m.tokenizer(), image, chat);
  CHECK(p.ok()) << p.status();
  return std::move(*p);
}

data::Batch Collate(std::vector<data::ProcessedSample> samples, const VlmModel& m) {
  return data::CollateBatch(std::move(samples), data::PadId(m.tokenizer()));
}

double MaxAbsDiff(const Tensor& a, const Tensor& b) {
  std::vector<float> x = a.Contiguous().ToVector(), y = b.Contiguous().ToVector();
  CHECK_EQ(x.size(), y.size());
  double d = 0;
  for (size_t i = 0; i < x.size(); ++i) d = std::max(d, std::fabs(double{x[i]} - y[i]));
  return d;
}

Tensor RowOf(const Tensor& t, int64_t i) { return *ops::Slice(t, 0, i, i + 1); }

class NativeResolutionTest : public ::testing::TestWithParam<std::string> {};

TEST_P(NativeResolutionTest, APaddedImageGivesWhatItGivesAlone) {
  NoGradScope no_grad;
  std::unique_ptr<VlmModel> m = Build(GetParam(), "perceiver { num_latents: 4 depth: 1 heads: 2 }");
  // 32 x 16 becomes 16 x 8 (W x H); 24 x 24 becomes 16 x 16.
  data::Batch wide, square, both;
  {
    std::vector<data::ProcessedSample> a, b, ab;
    a.push_back(Prepared(*m, 32, 16, 1));
    b.push_back(Prepared(*m, 24, 24, 2));
    ab.push_back(Prepared(*m, 32, 16, 1));
    ab.push_back(Prepared(*m, 24, 24, 2));
    wide = Collate(std::move(a), *m);
    square = Collate(std::move(b), *m);
    both = Collate(std::move(ab), *m);
  }
  ASSERT_EQ(wide.images.shape(), (Shape{1, 3, 8, 16}));
  ASSERT_EQ(both.images.shape(), (Shape{2, 3, 16, 16}));  // the wide one padded below

  absl::StatusOr<Tensor> alone = m->VisualTokens(wide.images, wide.image_sizes);
  absl::StatusOr<Tensor> padded = m->VisualTokens(both.images, both.image_sizes);
  ASSERT_TRUE(alone.ok() && padded.ok()) << alone.status() << padded.status();
  EXPECT_LT(MaxAbsDiff(RowOf(*padded, 0), *alone), 1e-5);
  absl::StatusOr<Tensor> full = m->VisualTokens(square.images, square.image_sizes);
  ASSERT_TRUE(full.ok());
  EXPECT_LT(MaxAbsDiff(RowOf(*padded, 1), *full), 1e-5);
  // Control: without the sizes the padding takes part and the wide image's tokens change.
  absl::StatusOr<Tensor> unmasked = m->VisualTokens(both.images);
  ASSERT_TRUE(unmasked.ok());
  EXPECT_GT(MaxAbsDiff(RowOf(*unmasked, 0), *alone), 1e-3);

  // Through the whole model: the wide sample's logits are those it has alone.
  absl::StatusOr<Tensor> logits_alone = m->Logits(ToModelInputs(wide));
  absl::StatusOr<Tensor> logits_both = m->Logits(ToModelInputs(both));
  ASSERT_TRUE(logits_alone.ok() && logits_both.ok());
  const int64_t t = logits_alone->size(1);
  Tensor first = *ops::Slice(RowOf(*logits_both, 0), 1, 0, t);
  EXPECT_LT(MaxAbsDiff(first, *logits_alone), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(PositionsAndCls, NativeResolutionTest,
                         ::testing::Values("", "cls_token: true", "position_embedding: SINCOS_2D"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           if (info.index == 0) return std::string("LearnedTable");
                           return std::string(info.index == 1 ? "LearnedTableWithCls" : "SinCos");
                         });

TEST(NativeResolutionProjectorTest, AProjectorThatWouldPassPaddingToTheLlmRefusesIt) {
  NoGradScope no_grad;
  std::unique_ptr<VlmModel> m = Build("", "mlp {}");
  std::vector<data::ProcessedSample> ab;
  ab.push_back(Prepared(*m, 32, 16, 1));
  ab.push_back(Prepared(*m, 24, 24, 2));
  data::Batch both = Collate(std::move(ab), *m);
  absl::StatusOr<Tensor> v = m->VisualTokens(both.images, both.image_sizes);
  EXPECT_THAT(v.status().message(),
              ::testing::HasSubstr("mlp: the batch holds native-resolution images of different "
                                   "sizes, and this projector would pass their padding patches "
                                   "to the LLM; use the perceiver projector"));
}

}  // namespace
}  // namespace vlmlab
