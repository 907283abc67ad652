// Module-level checks of the transformer layers: parameter names, a 2-layer transformer's
// gradients against finite differences (input and every parameter, both block styles),
// causality, cross-attention and freezing.
#include <memory>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/autograd/backward.h"
#include "platform/base/status_macros.h"
#include "platform/nn/embedding_layer.h"
#include "platform/nn/module.h"
#include "platform/nn/transformer_block.h"
#include "platform/ops/shape_ops.h"
#include "platform/ops/testing/gradcheck.h"

namespace vlmlab::nn {
namespace {

// Two blocks in sequence.
class TwoLayer : public Module {
 public:
  explicit TwoLayer(const BlockConfig& c) {
    a_ = RegisterModule("blocks_0", std::make_unique<TransformerBlock>(c, 1));
    b_ = RegisterModule("blocks_1", std::make_unique<TransformerBlock>(c, 2));
  }
  absl::StatusOr<Tensor> Run(const Tensor& x, const AttentionInputs& in) {
    VLMLAB_ASSIGN_OR_RETURN(Tensor h, a_.As<TransformerBlock>()->Run(x, in));
    return b_.As<TransformerBlock>()->Run(h, in);
  }

 private:
  Submodule a_, b_;
};

BlockConfig Config(BlockStyle style) {
  BlockConfig c;
  c.dim = 8;
  c.heads = 4;
  c.kv_heads = style == BlockStyle::kRmsNormSwiGlu ? 2 : 0;
  c.mlp_hidden = 12;
  c.style = style;
  c.rope_theta = style == BlockStyle::kRmsNormSwiGlu ? 10000.0f : 0.0f;
  c.bias = style == BlockStyle::kPreLnGelu;
  return c;
}

TEST(TransformerBlock, ParameterNames) {
  TransformerBlock llama(Config(BlockStyle::kRmsNormSwiGlu));
  std::vector<std::string> names;
  for (const auto& [n, t] : llama.NamedParameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"norm1.weight", "attn.q.weight", "attn.k.weight",
                                             "attn.v.weight", "attn.o.weight", "norm2.weight",
                                             "fc1.weight", "fc2.weight", "fc3.weight"}));
  EXPECT_EQ(llama.FindModule("attn.k")->NamedParameters()[0].second.shape(), (Shape{4, 8}));
}

TEST(TransformerBlock, TwoLayerGradientsMatchFiniteDifferences) {
  for (BlockStyle style : {BlockStyle::kPreLnGelu, BlockStyle::kRmsNormSwiGlu}) {
    TwoLayer model(Config(style));
    NamedTensors params = model.NamedParameters();
    std::vector<Tensor> inputs = {Tensor::RandN({2, 5, 8}, 3)};
    for (const auto& [n, t] : params) inputs.push_back(t);
    AttentionInputs in;
    in.causal = true;
    in.positions = Tensor::FromInts({5}, {0, 1, 2, 3, 4});
    auto f = [&](const std::vector<Tensor>& x) -> absl::StatusOr<Tensor> {
      for (size_t i = 0; i < params.size(); ++i) {
        VLMLAB_RETURN_IF_ERROR(model.SetParameter(params[i].first, x[i + 1]));
      }
      return model.Run(x[0], in);
    };
    GradCheckOptions options;
    options.eps = 3e-3;
    options.atol = 5e-4;
    options.rtol = 5e-3;
    options.max_elements_per_input = 24;
    absl::Status s = GradCheck(f, inputs, options);
    EXPECT_TRUE(s.ok()) << (style == BlockStyle::kPreLnGelu ? "pre-LN: " : "llama: ") << s;
  }
}

TEST(TransformerBlock, CausalOutputsIgnoreTheFuture) {
  TransformerBlock block(Config(BlockStyle::kRmsNormSwiGlu), 5);
  AttentionInputs in;
  in.causal = true;
  in.positions = Tensor::FromInts({4}, {0, 1, 2, 3});
  Tensor x = Tensor::RandN({1, 4, 8}, 1);
  std::vector<float> changed = x.ToVector();
  for (int c = 0; c < 8; ++c) changed[3 * 8 + c] += 1.0f;  // only the last token changes
  std::vector<float> a = block.Run(x, in)->ToVector();
  std::vector<float> b = block.Run(Tensor::FromVector({1, 4, 8}, changed), in)->ToVector();
  for (int i = 0; i < 3 * 8; ++i) EXPECT_FLOAT_EQ(a[i], b[i]) << i;
  bool last_differs = false;
  for (int i = 3 * 8; i < 4 * 8; ++i) last_differs = last_differs || a[i] != b[i];
  EXPECT_TRUE(last_differs);
}

TEST(MultiHeadAttention, CrossAttentionToAnotherLengthAndWidth) {
  AttentionConfig c;
  c.dim = 8;
  c.heads = 2;
  c.context_dim = 6;
  MultiHeadAttention attn(c, 3);
  Tensor x = Tensor::RandN({2, 3, 8}, 1), ctx = Tensor::RandN({2, 7, 6}, 2);
  absl::StatusOr<Tensor> y = attn.Attend(x, ctx, {});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape(), (Shape{2, 3, 8}));
  absl::StatusOr<Tensor> bad = attn.Attend(x, Tensor::RandN({2, 7, 5}, 2), {});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), ::testing::HasSubstr("context [2, 7, 5] must be [2, Tk, 6]"))
      << bad.status();
}

TEST(TransformerBlock, FrozenParametersGetNoGradient) {
  TransformerBlock block(Config(BlockStyle::kPreLnGelu), 2);
  EXPECT_EQ(block.SetTrainable("attn.*", false), 8);
  Tensor x = Tensor::RandN({1, 3, 8}, 4);
  Tensor loss = ops::Sum(*block.Forward(x)).value();
  ASSERT_TRUE(Backward(loss).ok());
  for (const auto& [name, t] : block.NamedParameters()) {
    EXPECT_EQ(t.grad().defined(), name.rfind("attn.", 0) != 0) << name;
  }
}

TEST(Embedding, LooksUpAndInitialisesDeterministically) {
  Embedding a(10, 4, 0.02f, 7), b(10, 4, 0.02f, 7);
  EXPECT_EQ(a.weight().ToVector(), b.weight().ToVector());
  absl::StatusOr<Tensor> h = a.Forward(Tensor::FromInts({2}, {3, 9}));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->shape(), (Shape{2, 4}));
  EXPECT_FALSE(a.Forward(Tensor::FromInts({1}, {10})).ok());
}

}  // namespace
}  // namespace vlmlab::nn
