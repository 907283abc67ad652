// self_attention fusion: placeholder rows replaced by visual tokens in order, gradients to both
// sides, and errors naming the sample.
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/autograd/backward.h"
#include "platform/model/testing/tiny_models.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/shape_ops.h"
#include "platform/ops/testing/gradcheck.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/fusion.pb.h"
#include "plugins/fusion/fusion_testing.h"

namespace vlmlab {
namespace {

using model_testing::TinyLlm;
using model_testing::TinyLlmConfig;
using ::testing::HasSubstr;

constexpr int32_t kImage = 30;
constexpr int64_t kHidden = 8;

std::unique_ptr<Fusion> MakeFusion(const SelfAttentionFusionOptions& o, int64_t v = 2) {
  const PluginEntry<Fusion>* entry = GlobalRegistries().Get<Fusion>().Find("self_attention");
  CHECK(entry != nullptr);
  std::unique_ptr<Fusion> f = *entry->create(o, BuildContext{});
  LlmShape llm{kHidden, 2, 2, 2, 32, 64};
  CHECK(f->Build(VisualShape{v, kHidden, 0, 0, false}, llm).ok());
  return f;
}

std::unique_ptr<TinyLlm> MakeLlm() {
  TinyLlmConfig c;
  c.hidden = kHidden;
  auto llm = std::make_unique<TinyLlm>(c);
  CHECK(llm->Build(32).ok());
  llm->Initialize(3);
  return llm;
}

std::vector<float> Row(const Tensor& t, int64_t b, int64_t i) {
  std::vector<float> all = t.Contiguous().ToVector();
  const int64_t width = t.size(-1), rows = t.size(-2);
  return std::vector<float>(all.begin() + (b * rows + i) * width,
                            all.begin() + (b * rows + i + 1) * width);
}

// Sample 0: one image (V = 2) at columns 1-2; sample 1: images at 0-1 and 3-4.
Tensor Ids() {
  return Tensor::FromInts({2, 6}, {1, kImage, kImage, 2, 3, 4,  //
                                   kImage, kImage, 5, kImage, kImage, 6});
}

TEST(SelfAttentionFusion, ReplacesPlaceholderRowsInOrder) {
  auto fusion = MakeFusion({});
  auto llm = MakeLlm();
  Tensor visual = Tensor::RandN({3, 2, kHidden}, 7);
  FusionInputs in{Ids(), visual, kImage};
  absl::StatusOr<FusedSequence> out = FuseText(*fusion, in, *llm);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_FALSE(out->hook);
  EXPECT_EQ(out->embeddings.shape(), (Shape{2, 6, kHidden}));
  Tensor text = *llm->Embed(Ids());
  // (sample, column) -> (image, token) for placeholders; text rows elsewhere.
  const int64_t image_of[2][6] = {{-1, 0, 0, -1, -1, -1}, {1, 1, -1, 2, 2, -1}};
  const int64_t token_of[2][6] = {{-1, 0, 1, -1, -1, -1}, {0, 1, -1, 0, 1, -1}};
  for (int64_t b = 0; b < 2; ++b) {
    for (int64_t t = 0; t < 6; ++t) {
      std::vector<float> expected =
          image_of[b][t] >= 0 ? Row(visual, image_of[b][t], token_of[b][t]) : Row(text, b, t);
      EXPECT_EQ(Row(out->embeddings, b, t), expected) << b << "," << t;
    }
  }
}

TEST(SelfAttentionFusion, GradientsReachVisualTokensAndTextEmbeddings) {
  auto fusion = MakeFusion({});
  auto llm = MakeLlm();
  Tensor visual = Tensor::RandN({3, 2, kHidden}, 7);
  visual.set_requires_grad(true);
  Tensor w = Tensor::RandN({2, 6, kHidden}, 8);
  FusedSequence out = *FuseText(*fusion, FusionInputs{Ids(), visual, kImage}, *llm);
  ASSERT_TRUE(Backward(*ops::Sum(*ops::Mul(out.embeddings, w))).ok());
  // d/dvisual[image, token] = w at its row.
  EXPECT_EQ(Row(visual.grad(), 0, 1), Row(w, 0, 2));
  EXPECT_EQ(Row(visual.grad(), 2, 0), Row(w, 1, 3));
  // The embedding table gets the text rows' weights; the placeholder id gets nothing.
  Tensor g;
  for (const auto& [name, t] : llm->NamedParameters()) {
    if (name == "embed.weight") g = t.grad();
  }
  ASSERT_TRUE(g.defined());
  EXPECT_EQ(Row(g.ViewReshape({1, 32, kHidden}).value(), 0, kImage),
            std::vector<float>(kHidden, 0.0f));
  EXPECT_EQ(Row(g.ViewReshape({1, 32, kHidden}).value(), 0, 5), Row(w, 1, 2));
}

TEST(SelfAttentionFusion, GradCheckThroughTheMerge) {
  auto fusion = MakeFusion({});
  auto llm = MakeLlm();
  absl::Status s = GradCheck(
      [&](const std::vector<Tensor>& in) -> absl::StatusOr<Tensor> {
        absl::StatusOr<FusedSequence> out =
            FuseText(*fusion, FusionInputs{Ids(), in[0], kImage}, *llm);
        if (!out.ok()) return out.status();
        return out->embeddings;
      },
      {Tensor::RandN({3, 2, kHidden}, 9)});
  EXPECT_TRUE(s.ok()) << s;
}

absl::Status FuseStatus(Fusion& f, Llm& llm, const Tensor& ids, int64_t images,
                        int32_t image_id = kImage) {
  Tensor visual = images > 0 ? Tensor::RandN({images, 2, kHidden}, 1) : Tensor();
  return FuseText(f, FusionInputs{ids, visual, image_id}, llm).status();
}

TEST(SelfAttentionFusion, WrongPlaceholderCountsNameTheSample) {
  SelfAttentionFusionOptions o;
  o.set_max_images_per_sample(1);
  auto fusion = MakeFusion(o);
  auto llm = MakeLlm();
  // Sample 1 has 3 placeholders with V = 2.
  Tensor odd = Tensor::FromInts({2, 4}, {kImage, kImage, 1, 2, kImage, kImage, kImage, 3});
  absl::Status s = FuseStatus(*fusion, *llm, odd, 2);
  EXPECT_THAT(s.message(), HasSubstr("sample 1 has 3 image placeholder tokens"));
  EXPECT_THAT(s.message(), HasSubstr("multiple of the 2 visual tokens"));
  // Sample 1 has two images, over max_images_per_sample 1.
  s = FuseStatus(*fusion, *llm, Ids(), 3);
  EXPECT_THAT(s.message(), HasSubstr("sample 1 has 2 images, more than max_images_per_sample 1"));
  auto fusion8 = MakeFusion({});
  // Placeholders for 3 images, 2 given: sample 1 runs out.
  s = FuseStatus(*fusion8, *llm, Ids(), 2);
  EXPECT_THAT(s.message(), HasSubstr("sample 1 has placeholders for 2 images but only 1"));
  // Images left over.
  s = FuseStatus(*fusion8, *llm, Ids(), 4);
  EXPECT_THAT(s.message(), HasSubstr("4 images given but the samples' placeholders hold only 3"));
  // Placeholders and no images at all.
  s = FuseStatus(*fusion8, *llm, Ids(), 0);
  EXPECT_THAT(s.message(), HasSubstr("sample 0"));
  // No image token id.
  s = FuseStatus(*fusion8, *llm, Ids(), 3, -1);
  EXPECT_THAT(s.message(), HasSubstr("image_token_id"));
  // Visual tokens of the wrong width.
  s = FuseText(*fusion8, FusionInputs{Ids(), Tensor::Zeros({3, 2, 4}), kImage}, *llm).status();
  EXPECT_THAT(s.message(), HasSubstr("LLM's hidden size"));
}

TEST(SelfAttentionFusion, PackedRowsCountImagesPerSample) {
  SelfAttentionFusionOptions o;
  o.set_max_images_per_sample(1);
  auto fusion = MakeFusion(o);
  auto llm = MakeLlm();
  // Row 0 packs samples 0 and 1 (one image each), row 1 holds sample 2 (one image): within
  // max_images_per_sample 1 although row 0 has two images.
  Tensor ids = Tensor::FromInts({2, 6}, {kImage, kImage, 1, kImage, kImage, 2,  //
                                         3, kImage, kImage, 4, 0, 0});
  Tensor seg = Tensor::FromInts({2, 6}, {0, 0, 0, 1, 1, 1, 2, 2, 2, 2, -1, -1});
  Tensor visual = Tensor::RandN({3, 2, kHidden}, 7);
  absl::StatusOr<FusedSequence> out =
      FuseText(*fusion, FusionInputs{ids, visual, kImage, seg}, *llm);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(Row(out->embeddings, 0, 3), Row(visual, 1, 0));  // sample 1's image, in order
  EXPECT_EQ(Row(out->embeddings, 1, 2), Row(visual, 2, 1));
  // Without segment ids row 0 is one sample with two images.
  absl::Status s = FuseStatus(*fusion, *llm, ids, 3);
  EXPECT_THAT(s.message(), HasSubstr("sample 0 has 2 images, more than max_images_per_sample 1"));
  // A packed sample over the limit is named by its segment and row.
  Tensor two = Tensor::FromInts({1, 6}, {kImage, kImage, 1, kImage, kImage, 2});
  s = FuseText(*fusion,
               FusionInputs{two, Tensor::RandN({2, 2, kHidden}, 1), kImage,
                            Tensor::FromInts({1, 6}, {4, 4, 4, 4, 4, 5})},
               *llm)
          .status();
  EXPECT_THAT(s.message(), HasSubstr("sample 4 (packed in row 0) has 2 images"));
  s = FuseText(*fusion,
               FusionInputs{two, Tensor::RandN({2, 2, kHidden}, 1), kImage,
                            Tensor::Zeros({1, 5}, DType::kI32)},
               *llm)
          .status();
  EXPECT_THAT(s.message(), HasSubstr("segment_ids i32[1, 5]"));
}

TEST(SelfAttentionFusion, ASplitImageCountsOnceAgainstMaxImagesPerSample) {
  SelfAttentionFusionOptions o;
  o.set_max_images_per_sample(1);
  auto fusion = MakeFusion(o);
  auto llm = MakeLlm();
  // One sample, two image tensors: a tile and the global view of one split image.
  Tensor ids = Tensor::FromInts({1, 6}, {kImage, kImage, 1, kImage, kImage, 2});
  Tensor visual = Tensor::RandN({2, 2, kHidden}, 7);
  absl::StatusOr<FusedSequence> out =
      FuseText(*fusion, FusionInputs{ids, visual, kImage, Tensor(), {2}}, *llm);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(Row(out->embeddings, 0, 4), Row(visual, 1, 1));
  // The same tensors as two whole images are over the limit.
  absl::Status s =
      FuseText(*fusion, FusionInputs{ids, visual, kImage, Tensor(), {1, 1}}, *llm).status();
  EXPECT_THAT(s.message(), HasSubstr("sample 0 has 2 images, more than max_images_per_sample 1"));
}

TEST(SelfAttentionFusion, TextOnlyBatchIsTheLlmEmbedding) {
  auto fusion = MakeFusion({});
  auto llm = MakeLlm();
  Tensor ids = Tensor::FromInts({1, 3}, {1, 2, 3});
  FusedSequence out = *FuseText(*fusion, FusionInputs{ids, Tensor(), kImage}, *llm);
  EXPECT_EQ(out.embeddings.ToVector(), llm->Embed(ids)->ToVector());
}

TEST(SelfAttentionFusion, LayoutAndCost) {
  SelfAttentionFusionOptions o;
  EXPECT_EQ(MakeFusion(o)->Layout(VisualShape{16, kHidden}).placeholders, 16);
  EXPECT_TRUE(MakeFusion(o)->Layout(VisualShape{16, kHidden}).delimiters);
  o.set_image_delimiters(false);
  EXPECT_FALSE(MakeFusion(o)->Layout(VisualShape{16, kHidden}).delimiters);
  EXPECT_EQ(MakeFusion(o)->ForwardFlops(VisualShape{16, kHidden}, LlmShape{kHidden, 2}, 10, 1), 0);
  EXPECT_TRUE(MakeFusion(o)->NamedParameters().empty());
}

}  // namespace
}  // namespace vlmlab
