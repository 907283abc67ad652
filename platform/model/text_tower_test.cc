// The text tower (model.text_tower): caption ids, embeddings of unit length that padding does
// not change, gradients into the encoder and the text transformer, model_llm pooling, and the
// errors when the spec has no tower or a tower that does not fit.
#include "platform/model/text_tower.h"

#include <cmath>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "kernels/cpu/threads.h"
#include "platform/autograd/backward.h"
#include "platform/model/trainability.h"
#include "platform/model/vlm_model.h"
#include "platform/ops/matmul_ops.h"
#include "platform/ops/shape_ops.h"
#include "platform/registry/global_registries.h"

namespace vlmlab {
namespace {

using ::testing::HasSubstr;

const bool kOneThread = [] {
  SetCpuThreads(1);
  return true;
}();

constexpr char kModel[] = R"pb(
  encoder { conv { image_size: 16 width: 8 stages: 1 blocks_per_stage: 1 stem_stride: 4 } }
  projector { mlp { layers: 2 } }
  fusion { self_attention { max_images_per_sample: 1 } }
  llm { llama { hidden: 16 layers: 1 heads: 2 max_seq_len: 64 } }
)pb";

absl::StatusOr<std::unique_ptr<VlmModel>> Build(const std::string& tower) {
  Model spec;
  CHECK(google::protobuf::TextFormat::ParseFromString(std::string(kModel) + tower, &spec));
  return BuildVlm(spec, GlobalRegistries(), 3);
}

constexpr char kOwnTower[] =
    "text_tower { transformer { gpt2 { hidden: 16 layers: 1 heads: 2 max_seq_len: 12 } } "
    "embed_dim: 8 }";

std::vector<float> Row(const Tensor& t, int64_t i) {
  std::vector<float> v = t.ToVector();
  const int64_t e = t.size(1);
  return std::vector<float>(v.begin() + i * e, v.begin() + (i + 1) * e);
}

TEST(CaptionIds, WrapsInBosAndEosPadsAndCutsKeepingEos) {
  auto m = Build(kOwnTower);
  ASSERT_TRUE(m.ok()) << m.status();
  const Tokenizer& tok = (*m)->tokenizer();
  auto t = CaptionIds(tok, {"ab", "abcdefgh"}, 6);
  ASSERT_TRUE(t.ok()) << t.status();
  const int32_t bos = tok.SpecialId(SpecialToken::kBos), eos = tok.SpecialId(SpecialToken::kEos);
  const int32_t pad = tok.SpecialId(SpecialToken::kPad);
  std::vector<int32_t> a = tok.Encode("ab"), b = tok.Encode("abcd");
  EXPECT_EQ(t->ids.ToInts(), (std::vector<int32_t>{bos, a[0], a[1], eos, pad, pad,  //
                                                   bos, b[0], b[1], b[2], b[3], eos}));
  EXPECT_EQ(t->mask.ToInts(), (std::vector<int32_t>{1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1}));
  EXPECT_THAT(CaptionIds(tok, {"a"}, 2).status().message(), HasSubstr("max_seq_len 2"));
}

TEST(TextTower, UnitEmbeddingsThatPaddingDoesNotChange) {
  auto m = Build(kOwnTower);
  ASSERT_TRUE(m.ok()) << m.status();
  VlmModel& model = **m;
  EXPECT_THAT(model.summary().ToString(), HasSubstr("text tower gpt2"));
  auto alone = CaptionIds(model.tokenizer(), {"red"}, 12);
  auto batch = CaptionIds(model.tokenizer(), {"red", "two blue stars"}, 12);
  ASSERT_TRUE(alone.ok() && batch.ok());
  auto e1 = model.TextEmbeddings(alone->ids, alone->mask);
  auto e2 = model.TextEmbeddings(batch->ids, batch->mask);
  ASSERT_TRUE(e1.ok()) << e1.status();
  ASSERT_TRUE(e2.ok()) << e2.status();
  ASSERT_EQ(e2->shape(), (Shape{2, 8}));
  std::vector<float> r0 = Row(*e1, 0), b0 = Row(*e2, 0), b1 = Row(*e2, 1);
  double norm = 0, diff = 0, other = 0;
  for (int i = 0; i < 8; ++i) {
    norm += r0[i] * r0[i];
    diff = std::max<double>(diff, std::abs(r0[i] - b0[i]));
    other = std::max<double>(other, std::abs(b1[i] - b0[i]));
  }
  EXPECT_NEAR(norm, 1.0, 1e-5);
  EXPECT_LT(diff, 1e-5);   // padding after "red" changes nothing
  EXPECT_GT(other, 1e-3);  // another caption is another embedding

  auto img = model.ImageEmbeddings(Tensor::RandN({3, 3, 16, 16}, 5));
  ASSERT_TRUE(img.ok()) << img.status();
  ASSERT_EQ(img->shape(), (Shape{3, 8}));
  std::vector<float> i0 = Row(*img, 0);
  double inorm = 0;
  for (float x : i0) inorm += x * x;
  EXPECT_NEAR(inorm, 1.0, 1e-5);
}

TEST(TextTower, GradientsReachTheEncoderAndTheTextTransformer) {
  auto m = Build(kOwnTower);
  ASSERT_TRUE(m.ok()) << m.status();
  VlmModel& model = **m;
  auto t = CaptionIds(model.tokenizer(), {"red", "blue"}, 12);
  auto txt = model.TextEmbeddings(t->ids, t->mask);
  auto img = model.ImageEmbeddings(Tensor::RandN({2, 3, 16, 16}, 5));
  ASSERT_TRUE(txt.ok() && img.ok());
  // A scalar that depends on both sides: sum of image . text.
  Tensor prod = ops::Matmul(*img, *txt, false, true).value();
  ASSERT_TRUE(Backward(ops::Sum(prod).value()).ok());
  int encoder = 0, text = 0, llm = 0;
  for (const auto& [name, p] : model.NamedParameters()) {
    const bool has = p.grad().defined();
    encoder += has && absl::StartsWith(name, "encoder.");
    text += has && absl::StartsWith(name, "text_tower.text.");
    llm += has && absl::StartsWith(name, "llm.");
  }
  EXPECT_GT(encoder, 0);
  EXPECT_GT(text, 0);
  EXPECT_EQ(llm, 0);  // a separate transformer: the VLM's LLM is untouched
}

TEST(TextTower, ModelLlmPoolingReadsWithTheLlm) {
  auto m = Build("text_tower { model_llm {} embed_dim: 8 }");
  ASSERT_TRUE(m.ok()) << m.status();
  VlmModel& model = **m;
  for (const auto& [name, p] : model.NamedParameters()) {
    EXPECT_FALSE(absl::StartsWith(name, "text_tower.text.")) << name;
  }
  auto t = CaptionIds(model.tokenizer(), {"red"}, 64);
  auto before = model.TextEmbeddings(t->ids, t->mask);
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_TRUE(Backward(ops::Sum(*before).value()).ok());
  int llm = 0;
  for (const auto& [name, p] : model.NamedParameters()) {
    llm += p.grad().defined() && absl::StartsWith(name, "llm.");
  }
  EXPECT_GT(llm, 0);
}

TEST(TextTower, FreezingTheTowerByTrainability) {
  auto m = Build(kOwnTower);
  ASSERT_TRUE(m.ok()) << m.status();
  TrainabilitySpec spec;
  spec.mutable_text_tower()->set_mode(ModuleTraining::FROZEN);
  auto report = ApplyTrainability(**m, spec, 1);
  ASSERT_TRUE(report.ok()) << report.status();
  for (const auto& [name, p] : (*m)->NamedParameters()) {
    EXPECT_EQ(p.requires_grad(), !absl::StartsWith(name, "text_tower.")) << name;
  }
  auto none = Build("");
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(ApplyTrainability(**none, spec, 1).status().message(), HasSubstr("text_tower"));
}

TEST(TextTower, ErrorsNameTheTowerAndSayWhatToDo) {
  auto none = Build("");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_THAT((*none)->ImageEmbeddings(Tensor::RandN({1, 3, 16, 16}, 1)).status().message(),
              HasSubstr("model.text_tower is not set"));
  EXPECT_THAT(Build("text_tower { embed_dim: 8 }").status().message(),
              HasSubstr("model.text_tower: choose what reads the captions"));
  EXPECT_THAT(
      Build("text_tower { transformer { gpt2 { vocab_size: 5 hidden: 16 heads: 2 } } }")
          .status()
          .message(),
      HasSubstr("model.text_tower.transformer: vocab_size 5 is smaller"));
}

}  // namespace
}  // namespace vlmlab

namespace vlmlab {
namespace {

// FLIP: a vit that drops patches in training embeds images from the kept patches only.
TEST(TextTower, PatchDroppingAppliesToContrastiveImageEmbeddings) {
  Model spec;
  CHECK(google::protobuf::TextFormat::ParseFromString(R"pb(
    encoder { vit { image_size: 16 patch_size: 4 width: 16 depth: 1 heads: 2 patch_drop: 0.5 } }
    projector { mlp { layers: 2 } }
    fusion { self_attention { max_images_per_sample: 1 } }
    llm { llama { hidden: 16 layers: 1 heads: 2 max_seq_len: 64 } }
    text_tower { model_llm {} embed_dim: 8 }
  )pb", &spec));
  auto m = BuildVlm(spec, GlobalRegistries(), 3);
  ASSERT_TRUE(m.ok()) << m.status();
  Tensor images = Tensor::RandN({2, 3, 16, 16}, 5);
  (*m)->SetTraining(false);
  auto all = (*m)->ImageEmbeddings(images);
  (*m)->SetTraining(true);
  auto dropped = (*m)->ImageEmbeddings(images);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_TRUE(dropped.ok()) << dropped.status();
  EXPECT_EQ(dropped->shape(), (Shape{2, 8}));
  double diff = 0;
  std::vector<float> a = all->ToVector(), d = dropped->ToVector();
  for (size_t i = 0; i < a.size(); ++i) diff = std::max<double>(diff, std::abs(a[i] - d[i]));
  EXPECT_GT(diff, 1e-3);
}

}  // namespace
}  // namespace vlmlab
