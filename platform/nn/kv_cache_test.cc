// KV-cache decoding in MultiHeadAttention / TransformerBlock (prefill then one token at a time
// equals one causal pass, with GQA, RoPE, per-sample positions and left padding), its errors,
// and residual dropout in TransformerBlock.
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/autograd/grad_mode.h"
#include "platform/base/status_macros.h"
#include "platform/nn/attention_layer.h"
#include "platform/nn/transformer_block.h"
#include "platform/ops/shape_ops.h"
#include "platform/ops/testing/gradcheck.h"

namespace vlmlab::nn {
namespace {

BlockConfig LlamaConfig() {
  BlockConfig c;
  c.dim = 16;
  c.heads = 4;
  c.kv_heads = 2;
  c.mlp_hidden = 24;
  c.style = BlockStyle::kRmsNormSwiGlu;
  c.rope_theta = 10000.0f;
  c.bias = false;
  return c;
}

// Sample 0 has 2 padding tokens on the left, sample 1 none; positions count real tokens.
struct Batch {
  Tensor x;          // [2, 6, 16]
  Tensor positions;  // [2, 6]
  Tensor mask;       // [2, 6]
};

Batch MakeBatch() {
  Batch b;
  b.x = Tensor::RandN({2, 6, 16}, 11);
  b.positions = Tensor::FromInts({2, 6}, {0, 0, 0, 1, 2, 3, 0, 1, 2, 3, 4, 5});
  b.mask = Tensor::FromInts({2, 6}, {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
  return b;
}

Tensor Cols(const Tensor& t, int64_t start, int64_t end) {
  return ops::Slice(t, 1, start, end).value().Contiguous();
}

TEST(KvCache, BlockPrefillThenStepsEqualsOneCausalPass) {
  TransformerBlock block(LlamaConfig(), 3);
  Batch batch = MakeBatch();
  NoGradScope no_grad;
  AttentionInputs full;
  full.causal = true;
  full.positions = batch.positions;
  full.key_padding_mask = batch.mask;
  std::vector<float> want = block.Run(batch.x, full)->ToVector();  // [2, 6, 16]

  absl::StatusOr<LayerKvCache> cache = block.NewCache(2, 8);
  ASSERT_TRUE(cache.ok()) << cache.status();
  EXPECT_EQ(cache->keys.shape(), (Shape{2, 2, 8, 4}));
  std::vector<float> got(want.size());
  auto run = [&](int64_t start, int64_t end) {
    AttentionInputs in;
    in.causal = true;
    in.positions = Cols(batch.positions, start, end);
    in.key_padding_mask = Cols(batch.mask, 0, end);
    in.kv_cache = &*cache;
    in.cache_length = start;
    absl::StatusOr<Tensor> y = block.Run(Cols(batch.x, start, end), in);
    ASSERT_TRUE(y.ok()) << y.status();
    std::vector<float> v = y->ToVector();
    const int64_t t = end - start;
    for (int64_t b = 0; b < 2; ++b) {
      for (int64_t i = 0; i < t * 16; ++i) got[(b * 6 + start) * 16 + i] = v[b * t * 16 + i];
    }
  };
  run(0, 3);  // prefill 3 tokens
  run(3, 4);  // then one at a time
  run(4, 5);
  run(5, 6);
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], 1e-5) << i;
  }
}

TEST(KvCache, ErrorsNameTheProblem) {
  MultiHeadAttention attn({.dim = 8, .heads = 2, .rope_theta = 10000.0f}, 1);
  LayerKvCache cache = attn.NewCache(1, 4).value();
  AttentionInputs in;
  in.causal = true;
  in.positions = Tensor::FromInts({3}, {0, 1, 2});
  in.kv_cache = &cache;
  Tensor x = Tensor::RandN({1, 3, 8}, 2);
  absl::StatusOr<Tensor> with_grad = attn.Attend(x, Tensor(), in);
  ASSERT_FALSE(with_grad.ok());
  EXPECT_THAT(with_grad.status().message(), ::testing::HasSubstr("NoGradScope"));

  NoGradScope no_grad;
  in.cache_length = 2;  // 2 + 3 > 4
  absl::StatusOr<Tensor> full = attn.Attend(x, Tensor(), in);
  ASSERT_FALSE(full.ok());
  EXPECT_THAT(full.status().message(), ::testing::HasSubstr("exceed the KV cache capacity 4"))
      << full.status();
  in.cache_length = 0;
  EXPECT_FALSE(attn.Attend(x, Tensor::RandN({1, 2, 8}, 3), in).ok());  // cross-attention
  LayerKvCache wrong = attn.NewCache(2, 4).value();
  in.kv_cache = &wrong;
  absl::StatusOr<Tensor> batch = attn.Attend(x, Tensor(), in);
  ASSERT_FALSE(batch.ok());
  EXPECT_THAT(batch.status().message(), ::testing::HasSubstr("must be [1, 2, 4, 4]"))
      << batch.status();
  EXPECT_FALSE(attn.NewCache(0, 4).ok());
}

BlockConfig DropoutConfig() {
  BlockConfig c;
  c.dim = 8;
  c.heads = 2;
  c.mlp_hidden = 12;
  c.dropout = 0.5f;
  return c;
}

TEST(BlockDropout, OnlyInTrainingAndDeterministicPerSeed) {
  TransformerBlock block(DropoutConfig(), 4);
  BlockConfig plain_config = DropoutConfig();
  plain_config.dropout = 0;
  TransformerBlock plain(plain_config, 4);
  Tensor x = Tensor::RandN({2, 3, 8}, 5);
  std::vector<float> no_drop = plain.Run(x, {})->ToVector();
  std::vector<float> a = block.Run(x, {}, 7)->ToVector();
  std::vector<float> b = block.Run(x, {}, 7)->ToVector();
  std::vector<float> c = block.Run(x, {}, 9)->ToVector();
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, no_drop);
  block.SetTraining(false);
  EXPECT_EQ(block.Run(x, {}, 7)->ToVector(), no_drop);
}

TEST(BlockDropout, GradientsMatchFiniteDifferencesForAFixedSeed) {
  TransformerBlock block(DropoutConfig(), 4);
  NamedTensors params = block.NamedParameters();
  std::vector<Tensor> inputs = {Tensor::RandN({1, 3, 8}, 6)};
  for (const auto& [n, t] : params) inputs.push_back(t);
  auto f = [&](const std::vector<Tensor>& x) -> absl::StatusOr<Tensor> {
    for (size_t i = 0; i < params.size(); ++i) {
      VLMLAB_RETURN_IF_ERROR(block.SetParameter(params[i].first, x[i + 1]));
    }
    return block.Run(x[0], {}, 21);
  };
  GradCheckOptions options;
  options.eps = 3e-3;
  options.atol = 5e-4;
  options.rtol = 5e-3;
  options.max_elements_per_input = 16;
  absl::Status s = GradCheck(f, inputs, options);
  EXPECT_TRUE(s.ok()) << s;
}

}  // namespace
}  // namespace vlmlab::nn
