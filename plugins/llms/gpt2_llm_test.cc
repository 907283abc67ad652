// The `gpt2` plugin: parameter names, learned positions added in Run (not Embed), gradients
// against finite differences, causal masking, left padding, residual dropout, position limits
// and the FLOP count.
#include "plugins/llms/gpt2_llm.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/base/status_macros.h"
#include "platform/ops/testing/gradcheck.h"
#include "platform/registry/global_registries.h"
#include "plugins/llms/llm_test_util.h"

namespace vlmlab::llms {
namespace {

using testing::BuiltGpt2;
using testing::kVocab;
using testing::TinyGpt2Options;
using testing::TokenLogits;

TEST(Gpt2, ParameterNamesAndShapes) {
  const auto* entry = GlobalRegistries().Get<Llm>().Find("gpt2");
  ASSERT_NE(entry, nullptr);
  absl::StatusOr<std::unique_ptr<Llm>> made = entry->create(TinyGpt2Options(), BuildContext{});
  ASSERT_TRUE(made.ok());
  EXPECT_EQ((*made)->NumParameters(), 0);

  std::unique_ptr<Llm> llm = BuiltGpt2(TinyGpt2Options());
  nn::TensorMap sd = llm->StateDict();
  std::vector<std::string> names;
  for (const auto& [n, t] : llm->NamedParameters()) names.push_back(n);
  ASSERT_EQ(names.size(), 2u + 2 * 16 + 2);  // a block: 2 norms, 4 projections, 2 MLP layers
  EXPECT_EQ(names[0], "embed.weight");
  EXPECT_EQ(names[1], "pos_embed.weight");
  EXPECT_EQ(names[2], "blocks.0.norm1.weight");
  EXPECT_EQ(names.back(), "norm.bias");
  EXPECT_EQ(sd["pos_embed.weight"].shape(), (Shape{32, 16}));
  EXPECT_EQ(sd["blocks.1.attn.k.bias"].shape(), (Shape{16}));
  EXPECT_EQ(sd["blocks.1.fc1.weight"].shape(), (Shape{64, 16}));
  EXPECT_EQ(sd.count("head.weight"), 0u);  // tied
  EXPECT_EQ(llm->Shape().kv_heads, 4);
}

TEST(Gpt2, VocabSizeAndLayerNormEpsOptionsTakeEffect) {
  // vocab_size, when set, must be the vocabulary the model is built with (the tokenizer's or
  // more); Shape() reports it before Build.
  Gpt2Options o = TinyGpt2Options();
  o.set_vocab_size(kVocab);
  EXPECT_EQ(NewGpt2Llm(o, 3)->Shape().vocab_size, kVocab);
  std::unique_ptr<Llm> sized = BuiltGpt2(o);
  EXPECT_EQ(sized->StateDict()["embed.weight"].shape(), (Shape{kVocab, 16}));
  o.set_vocab_size(kVocab + 5);
  absl::Status mismatch = NewGpt2Llm(o, 3)->Build(kVocab);
  EXPECT_THAT(mismatch.message(), ::testing::HasSubstr("differs from the option vocab_size"))
      << mismatch;
  // layer_norm_eps reaches every LayerNorm: a large eps shrinks the normalised activations, so
  // the logits change (same weights, same input).
  Gpt2Options eps = TinyGpt2Options();
  eps.set_layer_norm_eps(10.0f);
  std::unique_ptr<Llm> base = BuiltGpt2(TinyGpt2Options()), wide = BuiltGpt2(eps);
  base->SetTraining(false);
  wide->SetTraining(false);
  ASSERT_TRUE(wide->LoadStateDict(base->StateDict()).ok());
  Tensor ids = Tensor::FromInts({1, 3}, {3, 4, 5});
  Tensor pos = Tensor::FromInts({1, 3}, {0, 1, 2});
  EXPECT_NE(TokenLogits(*base, ids, pos)->ToVector(), TokenLogits(*wide, ids, pos)->ToVector());
}

TEST(Gpt2, EmbedIsTokensOnlyAndRunAddsPositions) {
  std::unique_ptr<Llm> llm = BuiltGpt2(TinyGpt2Options());
  llm->SetTraining(false);
  std::vector<float> e = llm->StateDict()["embed.weight"].ToVector();
  std::vector<float> x = llm->Embed(Tensor::FromInts({1, 1}, {3}))->ToVector();
  for (int c = 0; c < 16; ++c) EXPECT_EQ(x[c], e[3 * 16 + c]);
  // The same token at two positions gives different outputs; positions shift them.
  Tensor ids = Tensor::FromInts({1, 1}, {3});
  std::vector<float> at0 = TokenLogits(*llm, ids, Tensor::FromInts({1, 1}, {0}))->ToVector();
  std::vector<float> at5 = TokenLogits(*llm, ids, Tensor::FromInts({1, 1}, {5}))->ToVector();
  EXPECT_NE(at0, at5);
  // Zeroing the position table makes the position irrelevant.
  ASSERT_TRUE(nn::AssignValues(llm->StateDict()["pos_embed.weight"], Tensor::Zeros({32, 16})).ok());
  EXPECT_EQ(TokenLogits(*llm, ids, Tensor::FromInts({1, 1}, {0}))->ToVector(),
            TokenLogits(*llm, ids, Tensor::FromInts({1, 1}, {5}))->ToVector());
}

TEST(Gpt2, GradientsMatchFiniteDifferences) {
  Gpt2Options o = TinyGpt2Options();
  o.set_layers(1);
  o.set_mlp_ratio(1.5f);
  std::unique_ptr<Llm> llm = BuiltGpt2(o);
  nn::NamedTensors params = llm->NamedParameters();
  std::vector<Tensor> inputs = {Tensor::RandN({1, 3, 16}, 7)};
  for (const auto& [n, t] : params) inputs.push_back(t.Detach().To(DType::kF32));
  Tensor pos = Tensor::FromInts({1, 3}, {2, 0, 1});
  auto f = [&](const std::vector<Tensor>& x) -> absl::StatusOr<Tensor> {
    for (size_t i = 0; i < params.size(); ++i) {
      VLMLAB_RETURN_IF_ERROR(llm->SetParameter(params[i].first, x[i + 1]));
    }
    LlmInputs in;
    in.embeddings = x[0];
    in.positions = pos;
    VLMLAB_ASSIGN_OR_RETURN(Tensor h, llm->Run(in));
    return llm->Logits(h);
  };
  GradCheckOptions options;
  options.eps = 3e-3;
  options.atol = 2e-3;
  options.rtol = 1e-2;
  options.max_elements_per_input = 12;
  absl::Status s = GradCheck(f, inputs, options);
  EXPECT_TRUE(s.ok()) << s;
}

TEST(Gpt2, CausalAndLeftPadding) {
  std::unique_ptr<Llm> llm = BuiltGpt2(TinyGpt2Options());
  std::vector<int32_t> ids = {1, 5, 2, 9, 3};
  std::vector<float> a = TokenLogits(*llm, Tensor::FromInts({1, 5}, ids), Tensor())->ToVector();
  ids[3] = 4;
  std::vector<float> b = TokenLogits(*llm, Tensor::FromInts({1, 5}, ids), Tensor())->ToVector();
  for (int i = 0; i < 3 * kVocab; ++i) EXPECT_NEAR(a[i], b[i], 1e-6) << i;
  EXPECT_NE(a[3 * kVocab], b[3 * kVocab]);

  std::vector<float> alone =
      TokenLogits(*llm, Tensor::FromInts({1, 2}, {6, 2}), Tensor())->ToVector();
  Tensor padded = Tensor::FromInts({1, 4}, {0, 0, 6, 2});
  std::vector<float> got = TokenLogits(*llm, padded, Tensor::FromInts({1, 4}, {0, 0, 0, 1}),
                                       Tensor::FromInts({1, 4}, {0, 0, 1, 1}))
                               ->ToVector();
  for (int i = 0; i < 2 * kVocab; ++i) EXPECT_NEAR(got[2 * kVocab + i], alone[i], 1e-5) << i;
}

TEST(Gpt2, DropoutOnlyInTrainingFreshPerRunAndSeeded) {
  Gpt2Options o = TinyGpt2Options();
  o.set_dropout(0.3f);
  std::unique_ptr<Llm> a = BuiltGpt2(o, 5), b = BuiltGpt2(o, 5);
  Tensor ids = Tensor::FromInts({1, 4}, {1, 2, 3, 4});
  std::vector<float> a1 = TokenLogits(*a, ids, Tensor())->ToVector();
  std::vector<float> a2 = TokenLogits(*a, ids, Tensor())->ToVector();
  std::vector<float> b1 = TokenLogits(*b, ids, Tensor())->ToVector();
  EXPECT_EQ(a1, b1);  // same seed, same run count
  EXPECT_NE(a1, a2);  // fresh masks each training run
  a->SetTraining(false);
  std::vector<float> e1 = TokenLogits(*a, ids, Tensor())->ToVector();
  o.set_dropout(0);
  std::unique_ptr<Llm> plain = BuiltGpt2(o, 5);
  EXPECT_EQ(e1, TokenLogits(*plain, ids, Tensor())->ToVector());
  EXPECT_NE(e1, a1);
}

TEST(Gpt2, PositionLimitAndFlops) {
  std::unique_ptr<Llm> llm = BuiltGpt2(TinyGpt2Options());
  absl::StatusOr<Tensor> bad =
      TokenLogits(*llm, Tensor::FromInts({1, 1}, {1}), Tensor::FromInts({1, 1}, {32}));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), ::testing::HasSubstr("max_seq_len = 32")) << bad.status();
  // Per layer: 4 projections 2*5*16*64 = 10240; MLP 2*5*2*16*64 = 20480; attention 960.
  EXPECT_DOUBLE_EQ(llm->ForwardFlops(5), 2 * (10240 + 20480 + 960) + 2 * 5 * 16 * kVocab);
}

}  // namespace
}  // namespace vlmlab::llms
