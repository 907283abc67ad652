// cross_attention fusion: layer names, zero-gate equality with the text-only LM, visibility
// masks, decode steps and left padding, gradients, errors and cost.
#include <memory>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/autograd/backward.h"
#include "platform/model/testing/tiny_models.h"
#include "platform/nn/init.h"
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
constexpr int64_t kV = 3;  // visual tokens per image

std::unique_ptr<Fusion> MakeFusion(CrossAttentionFusionOptions o) {
  if (!o.has_every_n_layers()) o.set_every_n_layers(2);
  const PluginEntry<Fusion>* entry = GlobalRegistries().Get<Fusion>().Find("cross_attention");
  CHECK(entry != nullptr);
  std::unique_ptr<Fusion> f = *entry->create(o, BuildContext{});
  CHECK(f->Build(VisualShape{kV, kHidden, 0, 0, false}, LlmShape{kHidden, 4, 2, 2, 32, 64}).ok());
  f->Initialize(4);
  return f;
}

std::unique_ptr<TinyLlm> MakeLlm() {
  TinyLlmConfig c;
  c.hidden = kHidden;
  c.layers = 4;
  auto llm = std::make_unique<TinyLlm>(c);
  CHECK(llm->Build(32).ok());
  llm->Initialize(3);
  return llm;
}

void SetGates(Fusion& f, float attn, float ff) {
  for (const auto& [name, t] : f.StateDict()) {
    if (absl::EndsWith(name, "attn_gate")) CHECK(nn::AssignValues(t, Tensor::Full({1}, attn)).ok());
    if (absl::EndsWith(name, "ff_gate")) CHECK(nn::AssignValues(t, Tensor::Full({1}, ff)).ok());
  }
}

Tensor Arange(int64_t batch, int64_t n, int64_t start = 0) {
  std::vector<int32_t> v;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t i = 0; i < n; ++i) v.push_back(static_cast<int32_t>(start + i));
  }
  return Tensor::FromInts({batch, n}, v);
}

std::vector<float> Row(const Tensor& t, int64_t b, int64_t i) {
  std::vector<float> all = t.Contiguous().ToVector();
  const int64_t width = t.size(-1), rows = t.size(-2);
  return std::vector<float>(all.begin() + (b * rows + i) * width,
                            all.begin() + (b * rows + i + 1) * width);
}

// One sample: text, image 0 at column 1, text, image 1 at column 4, text.
Tensor Ids() { return Tensor::FromInts({1, 8}, {1, kImage, 2, 3, kImage, 4, 5, 6}); }

Tensor HookOutput(Fusion& f, Llm& llm, const Tensor& ids, const Tensor& visual,
                  const Tensor& hidden, const Tensor& positions) {
  FusedSequence out = *FuseText(f, FusionInputs{ids, visual, kImage}, llm);
  absl::StatusOr<Tensor> y = out.hook(0, hidden, positions);
  CHECK(y.ok()) << y.status();
  return *y;
}

TEST(CrossAttentionFusion, LayersBeforeEveryNthBlockWithStableNames) {
  auto f = MakeFusion({});
  std::vector<std::string> names;
  for (const auto& [n, t] : f->NamedParameters()) names.push_back(n);
  EXPECT_THAT(names, ::testing::Contains("xattn.0.attn.q.weight"));
  EXPECT_THAT(names, ::testing::Contains("xattn.0.attn_gate"));
  EXPECT_THAT(names, ::testing::Contains("xattn.2.attn_norm.weight"));
  EXPECT_THAT(names, ::testing::Contains("xattn.2.ff.layers.1.weight"));
  EXPECT_THAT(names, ::testing::Contains("xattn.2.ff_gate"));
  EXPECT_THAT(names, ::testing::Not(::testing::Contains("xattn.1.attn_gate")));
  EXPECT_THAT(names, ::testing::Not(::testing::Contains("xattn.0.attn.o.bias")));
  EXPECT_EQ(f->StateDict().at("xattn.2.attn_gate").ToVector(), std::vector<float>{0});
  CrossAttentionFusionOptions no_ff;
  no_ff.set_mlp_ratio(0);
  no_ff.set_every_n_layers(4);
  names.clear();
  for (const auto& [n, t] : MakeFusion(no_ff)->NamedParameters()) names.push_back(n);
  EXPECT_THAT(names, ::testing::Not(::testing::Contains("xattn.0.ff_gate")));
  EXPECT_THAT(names, ::testing::Not(::testing::Contains("xattn.2.attn_gate")));
  EXPECT_EQ(MakeFusion({})->Layout(VisualShape{kV, kHidden}).placeholders, 1);
  EXPECT_FALSE(MakeFusion({})->Layout(VisualShape{kV, kHidden}).delimiters);
}

absl::StatusOr<Tensor> Logits(Llm& llm, const Tensor& embeddings, const LayerHook* hook) {
  LlmInputs in;
  in.embeddings = embeddings;
  in.positions = Arange(embeddings.size(0), embeddings.size(1));
  in.hook = hook;
  absl::StatusOr<Tensor> h = llm.Run(in);
  if (!h.ok()) return h.status();
  return llm.Logits(*h);
}

TEST(CrossAttentionFusion, ZeroGatesGiveExactlyTheTextOnlyLogits) {
  auto f = MakeFusion({});
  auto llm = MakeLlm();
  Tensor visual = Tensor::RandN({2, kV, kHidden}, 5);
  FusedSequence fused = *FuseText(*f, FusionInputs{Ids(), visual, kImage}, *llm);
  ASSERT_TRUE(fused.hook);
  Tensor with_images = *Logits(*llm, fused.embeddings, &fused.hook);
  Tensor text_only = *Logits(*llm, *llm->Embed(Ids()), nullptr);
  EXPECT_EQ(with_images.ToVector(), text_only.ToVector());
  // Open gates change them (so the comparison above can fail).
  SetGates(*f, 0.5f, 0.5f);
  fused = *FuseText(*f, FusionInputs{Ids(), visual, kImage}, *llm);
  EXPECT_GT(MaxAbsDiff(*Logits(*llm, fused.embeddings, &fused.hook), text_only), 1e-4);
}

TEST(CrossAttentionFusion, PrecedingImageMask) {
  auto f = MakeFusion({});
  auto llm = MakeLlm();
  SetGates(*f, 0.7f, 0.0f);  // only the cross-attention branch acts
  Tensor hidden = Tensor::RandN({1, 8, kHidden}, 6);
  Tensor pos = Arange(1, 8);
  Tensor visual = Tensor::RandN({2, kV, kHidden}, 5);
  Tensor base = HookOutput(*f, *llm, Ids(), visual, hidden, pos);
  // Row 0 precedes every image: exactly its input (zero attention output, not NaN).
  EXPECT_EQ(Row(base, 0, 0), Row(hidden, 0, 0));
  EXPECT_NE(Row(base, 0, 1), Row(hidden, 0, 1));
  // New image 0 values: rows 1-3 change, rows from image 1 on do not.
  Tensor other0 = *ops::Concat(
      {*ops::Slice(Tensor::RandN({2, kV, kHidden}, 9), 0, 0, 1), *ops::Slice(visual, 0, 1, 2)}, 0);
  Tensor y0 = HookOutput(*f, *llm, Ids(), other0, hidden, pos);
  for (int64_t t : {1, 2, 3}) EXPECT_NE(Row(y0, 0, t), Row(base, 0, t)) << t;
  for (int64_t t : {0, 4, 5, 6, 7}) EXPECT_EQ(Row(y0, 0, t), Row(base, 0, t)) << t;
  // New image 1 values: rows before column 4 unaffected.
  Tensor other1 = *ops::Concat(
      {*ops::Slice(visual, 0, 0, 1), *ops::Slice(Tensor::RandN({2, kV, kHidden}, 9), 0, 1, 2)}, 0);
  Tensor y1 = HookOutput(*f, *llm, Ids(), other1, hidden, pos);
  for (int64_t t : {0, 1, 2, 3}) EXPECT_EQ(Row(y1, 0, t), Row(base, 0, t)) << t;
  for (int64_t t : {4, 5, 6, 7}) EXPECT_NE(Row(y1, 0, t), Row(base, 0, t)) << t;
}

TEST(CrossAttentionFusion, SplitImageCountsAsOneImage) {
  // Columns 1 and 4 hold two tensors of one split image (a tile and the global view,
  // image_crops {2}): under PRECEDING_IMAGE the text after column 4 sees both.
  auto f = MakeFusion({});
  auto llm = MakeLlm();
  SetGates(*f, 0.7f, 0.0f);
  Tensor hidden = Tensor::RandN({1, 8, kHidden}, 6);
  Tensor pos = Arange(1, 8);
  Tensor visual = Tensor::RandN({2, kV, kHidden}, 5);
  Tensor other_tile = *ops::Concat(
      {*ops::Slice(Tensor::RandN({2, kV, kHidden}, 9), 0, 0, 1), *ops::Slice(visual, 0, 1, 2)}, 0);
  auto output = [&](const Tensor& v, std::vector<int64_t> crops) {
    FusedSequence out = *FuseText(*f, FusionInputs{Ids(), v, kImage, Tensor(), crops}, *llm);
    return *out.hook(0, hidden, pos);
  };
  Tensor grouped = output(visual, {2}), grouped_other = output(other_tile, {2});
  for (int64_t t : {1, 2, 3, 4, 5, 6, 7}) {
    EXPECT_NE(Row(grouped_other, 0, t), Row(grouped, 0, t)) << t;
  }
  // Control: as two separate images, the rows from column 4 on see only the second.
  Tensor apart = output(visual, {}), apart_other = output(other_tile, {1, 1});
  for (int64_t t : {4, 5, 6, 7}) EXPECT_EQ(Row(apart_other, 0, t), Row(apart, 0, t)) << t;
  // Crops that do not add up to the visual rows are an error.
  absl::StatusOr<FusedSequence> bad =
      FuseText(*f, FusionInputs{Ids(), visual, kImage, Tensor(), {3}}, *llm);
  EXPECT_THAT(bad.status().message(), HasSubstr("image_crops sum to 3 but 2 visual rows"));
}

TEST(CrossAttentionFusion, HeadsOptionSplitsTheCrossAttention) {
  // The LLM has 2 heads; heads: 4 splits the same projections into four heads of width 2, so
  // with identical weights the cross-attention output changes. 3 does not divide 8.
  auto two = MakeFusion({});
  CrossAttentionFusionOptions o;
  o.set_heads(4);
  auto four = MakeFusion(o);
  ASSERT_TRUE(four->LoadStateDict(two->StateDict()).ok());
  SetGates(*two, 0.7f, 0.0f);
  SetGates(*four, 0.7f, 0.0f);
  auto llm = MakeLlm();
  Tensor hidden = Tensor::RandN({1, 8, kHidden}, 6);
  Tensor visual = Tensor::RandN({2, kV, kHidden}, 5);
  Tensor a = HookOutput(*two, *llm, Ids(), visual, hidden, Arange(1, 8));
  Tensor b = HookOutput(*four, *llm, Ids(), visual, hidden, Arange(1, 8));
  EXPECT_NE(Row(a, 0, 5), Row(b, 0, 5));
  EXPECT_EQ(Row(a, 0, 0), Row(b, 0, 0));  // no image before row 0 in either
  o.set_heads(3);
  const PluginEntry<Fusion>* entry = GlobalRegistries().Get<Fusion>().Find("cross_attention");
  std::unique_ptr<Fusion> bad = *entry->create(o, BuildContext{});
  absl::Status s = bad->CheckCompatible(VisualShape{kV, kHidden, 0, 0, false},
                                        LlmShape{kHidden, 4, 2, 2, 32, 64});
  EXPECT_THAT(s.message(),
              HasSubstr("cross_attention.heads 3 does not divide the LLM hidden size 8"));
}

TEST(CrossAttentionFusion, AllPrecedingImagesMask) {
  CrossAttentionFusionOptions o;
  o.set_visibility(CrossAttentionFusionOptions::ALL_PRECEDING_IMAGES);
  auto f = MakeFusion(o);
  auto llm = MakeLlm();
  SetGates(*f, 0.7f, 0.0f);
  Tensor hidden = Tensor::RandN({1, 8, kHidden}, 6);
  Tensor pos = Arange(1, 8);
  Tensor visual = Tensor::RandN({2, kV, kHidden}, 5);
  Tensor base = HookOutput(*f, *llm, Ids(), visual, hidden, pos);
  EXPECT_EQ(Row(base, 0, 0), Row(hidden, 0, 0));
  Tensor other0 = *ops::Concat(
      {*ops::Slice(Tensor::RandN({2, kV, kHidden}, 9), 0, 0, 1), *ops::Slice(visual, 0, 1, 2)}, 0);
  Tensor y0 = HookOutput(*f, *llm, Ids(), other0, hidden, pos);
  EXPECT_EQ(Row(y0, 0, 0), Row(base, 0, 0));
  for (int64_t t : {1, 2, 3, 4, 5, 6, 7}) EXPECT_NE(Row(y0, 0, t), Row(base, 0, t)) << t;
}

TEST(CrossAttentionFusion, DecodeStepsSeeTheSameImagesAsTheFullSequence) {
  auto f = MakeFusion({});
  auto llm = MakeLlm();
  SetGates(*f, 0.7f, 0.3f);
  Tensor hidden = Tensor::RandN({1, 8, kHidden}, 6);
  Tensor visual = Tensor::RandN({2, kV, kHidden}, 5);
  Tensor full = HookOutput(*f, *llm, Ids(), visual, hidden, Arange(1, 8));
  // The prompt is the first 6 columns (both images); then one decode step at position 6.
  Tensor prompt_ids = *ops::Slice(Ids(), 1, 0, 6);
  FusedSequence out = *FuseText(*f, FusionInputs{prompt_ids, visual, kImage}, *llm);
  // A first call that is not the prompt is refused.
  EXPECT_THAT(out.hook(0, *ops::Slice(hidden, 1, 6, 7), Arange(1, 1, 6)).status().message(),
              HasSubstr("whole prompt of 6 tokens"));
  Tensor prompt = *out.hook(0, *ops::Slice(hidden, 1, 0, 6), Arange(1, 6));
  for (int64_t t = 0; t < 6; ++t) {
    EXPECT_LT(MaxAbsDiff(*ops::Slice(prompt, 1, t, t + 1), *ops::Slice(full, 1, t, t + 1)), 1e-6);
  }
  Tensor step = *out.hook(0, *ops::Slice(hidden, 1, 6, 7), Arange(1, 1, 6));
  EXPECT_LT(MaxAbsDiff(step, *ops::Slice(full, 1, 6, 7)), 1e-6);
  // Layers without a cross-attention block pass the stream through.
  EXPECT_EQ(out.hook(1, step, Arange(1, 1, 7))->ToVector(), step.ToVector());
}

TEST(CrossAttentionFusion, LeftPaddingFollowsThePositionsNotTheColumns) {
  auto f = MakeFusion({});
  auto llm = MakeLlm();
  SetGates(*f, 0.7f, 0.3f);
  // Sample 1 is sample 0's first 6 tokens behind 2 pads; positions count real tokens.
  Tensor ids = Tensor::FromInts({2, 8}, {1, kImage, 2, 3, kImage, 4, 5, 6,  //
                                         0, 0, 1, kImage, 2, 3, kImage, 4});
  Tensor pos = Tensor::FromInts({2, 8}, {0, 1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 1, 2, 3, 4, 5});
  Tensor h0 = Tensor::RandN({1, 8, kHidden}, 6);
  Tensor hidden = *ops::Concat(
      {h0, *ops::Concat({Tensor::RandN({1, 2, kHidden}, 7), *ops::Slice(h0, 1, 0, 6)}, 1)}, 0);
  Tensor v = Tensor::RandN({2, kV, kHidden}, 5);
  Tensor visual = *ops::Concat({v, v}, 0);
  Tensor y = HookOutput(*f, *llm, ids, visual, hidden, pos);
  for (int64_t k = 0; k < 6; ++k) {
    std::vector<float> a = Row(y, 0, k), b = Row(y, 1, k + 2);
    for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6) << k;
  }
}

TEST(CrossAttentionFusion, GradientsReachVisualTokensAndGates) {
  auto f = MakeFusion({});
  auto llm = MakeLlm();
  SetGates(*f, 0.5f, 0.5f);
  Tensor visual = Tensor::RandN({2, kV, kHidden}, 5);
  visual.set_requires_grad(true);
  FusedSequence out = *FuseText(*f, FusionInputs{Ids(), visual, kImage}, *llm);
  Tensor logits = *Logits(*llm, out.embeddings, &out.hook);
  ASSERT_TRUE(Backward(*ops::Sum(*ops::Mul(logits, Tensor::RandN(logits.shape(), 3)))).ok());
  ASSERT_TRUE(visual.grad().defined());
  EXPECT_GT(MaxAbsDiff(visual.grad(), Tensor::Zeros(visual.shape())), 0);
  for (const auto& [name, t] : f->NamedParameters()) {
    EXPECT_TRUE(t.grad().defined()) << name;
  }
  // Finite differences through the hook at layer 0.
  Tensor hidden = Tensor::RandN({1, 8, kHidden}, 6);
  absl::Status s = GradCheck(
      [&](const std::vector<Tensor>& in) -> absl::StatusOr<Tensor> {
        absl::StatusOr<FusedSequence> o = FuseText(*f, FusionInputs{Ids(), in[0], kImage}, *llm);
        if (!o.ok()) return o.status();
        return o->hook(0, in[1], Arange(1, 8));
      },
      {Tensor::RandN({2, kV, kHidden}, 5), hidden});
  EXPECT_TRUE(s.ok()) << s;
}

TEST(CrossAttentionFusion, TextOnlyBatchRunsOnlyTheFeedForward) {
  auto f = MakeFusion({});
  auto llm = MakeLlm();
  SetGates(*f, 0.7f, 0.0f);
  Tensor ids = Tensor::FromInts({1, 4}, {1, 2, 3, 4});
  Tensor hidden = Tensor::RandN({1, 4, kHidden}, 6);
  EXPECT_EQ(HookOutput(*f, *llm, ids, Tensor(), hidden, Arange(1, 4)).ToVector(),
            hidden.ToVector());
}

TEST(CrossAttentionFusion, PlaceholderMismatchNamesTheSample) {
  auto f = MakeFusion({});
  auto llm = MakeLlm();
  Tensor ids = Tensor::FromInts({2, 3}, {kImage, 1, 2, kImage, kImage, 3});
  absl::Status s =
      FuseText(*f, FusionInputs{ids, Tensor::RandN({2, kV, kHidden}, 1), kImage}, *llm).status();
  EXPECT_THAT(s.message(), HasSubstr("sample 1 has 2 image placeholders but only 1"));
  s = FuseText(*f, FusionInputs{ids, Tensor::RandN({4, kV, kHidden}, 1), kImage}, *llm).status();
  EXPECT_THAT(s.message(), HasSubstr("4 images given but the samples have only 3"));
}

TEST(CrossAttentionFusion, ForwardFlopsByHand) {
  auto f = MakeFusion({});
  // 2 layers (before blocks 0 and 2); T = 10, K = 2 images * 3 tokens, H = 8, FF = 32.
  double per_layer = 4.0 * 10 * 64 + 4.0 * 6 * 64 + 4.0 * 10 * 6 * 8 + 4.0 * 10 * 8 * 32;
  EXPECT_EQ(f->ForwardFlops(VisualShape{kV, kHidden}, LlmShape{kHidden, 4, 2}, 10, 2),
            2 * per_layer);
  EXPECT_EQ(f->ForwardFlops(VisualShape{kV, kHidden}, LlmShape{kHidden, 4, 2}, 10, 0),
            2 * (4.0 * 10 * 64 + 4.0 * 10 * 8 * 32));
}

}  // namespace
}  // namespace vlmlab
