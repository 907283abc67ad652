// Linear and MLP: values against hand computations, initialisation, gradients.
#include <cmath>

#include "gtest/gtest.h"
#include "platform/autograd/backward.h"
#include "platform/nn/linear.h"
#include "platform/nn/mlp.h"
#include "platform/ops/shape_ops.h"
#include "platform/ops/testing/gradcheck.h"

namespace vlmlab::nn {
namespace {

TEST(Linear, ValuesMatchAHandComputation) {
  Linear fc(3, 2);
  ASSERT_TRUE(fc.LoadStateDict({{"weight", Tensor::FromVector({2, 3}, {1, 2, 3, -1, 0, 1})},
                                {"bias", Tensor::FromVector({2}, {0.5f, -2})}})
                  .ok());
  // x rows: [1, 0, 2] -> [1 + 6 + 0.5, -1 + 2 - 2]; [0, 1, -1] -> [2 - 3 + 0.5, -1 - 2]
  Tensor x = Tensor::FromVector({2, 3}, {1, 0, 2, 0, 1, -1});
  EXPECT_EQ(fc.Forward(x)->ToVector(), (std::vector<float>{7.5f, -1, -0.5f, -3}));
  Linear no_bias(3, 2, /*bias=*/false);
  EXPECT_FALSE(no_bias.bias().defined());
  EXPECT_EQ(no_bias.NamedParameters().size(), 1u);
  EXPECT_EQ(fc.Forward(Tensor::Zeros({4, 5, 3}))->shape(), (Shape{4, 5, 2}));
  EXPECT_FALSE(fc.Forward(Tensor::Zeros({4, 2})).ok());
}

TEST(Linear, InitIsUniformWithinOneOverSqrtFanIn) {
  Linear fc(64, 32, true, 3);
  float bound = 1.0f / 8.0f;
  std::vector<float> w = fc.weight().ToVector();
  double mean = 0, max_abs = 0;
  for (float v : w) {
    mean += v;
    max_abs = std::max<double>(max_abs, std::abs(v));
  }
  mean /= w.size();
  EXPECT_LE(max_abs, bound);
  EXPECT_GT(max_abs, 0.9 * bound);
  EXPECT_NEAR(mean, 0.0, 0.01);
  EXPECT_EQ(w, Tensor::RandUniform({32, 64}, ParameterSeed(3, "weight"), -bound, bound).ToVector());
  EXPECT_EQ(fc.bias().ToVector(),
            Tensor::RandUniform({32}, ParameterSeed(3, "bias"), -bound, bound).ToVector());
}

float Gelu(float x) { return 0.5f * x * (1 + std::erf(x / std::sqrt(2.0f))); }

TEST(MLP, ValuesMatchAHandComputation) {
  MLP mlp({2, 2, 1}, Activation::kGeluErf);
  std::vector<std::string> names;
  for (const auto& [n, t] : mlp.NamedParameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"layers.0.weight", "layers.0.bias", "layers.1.weight",
                                             "layers.1.bias"}));
  ASSERT_TRUE(mlp.LoadStateDict({{"layers.0.weight", Tensor::FromVector({2, 2}, {1, -1, 0.5f, 2})},
                                 {"layers.0.bias", Tensor::FromVector({2}, {0, -1})},
                                 {"layers.1.weight", Tensor::FromVector({1, 2}, {2, -3})},
                                 {"layers.1.bias", Tensor::FromVector({1}, {0.25f})}})
                  .ok());
  Tensor x = Tensor::FromVector({2, 2}, {1, 2, -0.5f, 0.5f});
  std::vector<float> got = mlp.Forward(x)->ToVector();
  const float xs[2][2] = {{1, 2}, {-0.5f, 0.5f}};
  for (int r = 0; r < 2; ++r) {
    float h0 = Gelu(xs[r][0] - xs[r][1]);
    float h1 = Gelu(0.5f * xs[r][0] + 2 * xs[r][1] - 1);
    EXPECT_NEAR(got[r], 2 * h0 - 3 * h1 + 0.25f, 1e-5) << r;
  }
  for (Activation a : {Activation::kRelu, Activation::kSilu, Activation::kGeluTanh}) {
    MLP other({2, 2, 1}, a);
    ASSERT_TRUE(other.LoadStateDict(mlp.StateDict()).ok());
    float h0 = xs[0][0] - xs[0][1], h1 = 0.5f * xs[0][0] + 2 * xs[0][1] - 1;
    auto f = [a](float v) {
      if (a == Activation::kRelu) return std::max(v, 0.0f);
      if (a == Activation::kSilu) return v / (1 + std::exp(-v));
      return 0.5f * v * (1 + std::tanh(0.7978845608f * (v + 0.044715f * v * v * v)));
    };
    EXPECT_NEAR(other.Forward(x)->ToVector()[0], 2 * f(h0) - 3 * f(h1) + 0.25f, 1e-5)
        << ActivationName(a);
  }
}

TEST(MLP, LayersAreSeededByFullNameAndReplaceable) {
  MLP a({4, 8, 8, 2}, Activation::kSilu, true, 7);
  EXPECT_EQ(a.num_layers(), 3u);
  EXPECT_EQ(a.NumParameters(), 4 * 8 + 8 + 8 * 8 + 8 + 8 * 2 + 2);
  EXPECT_EQ(a.layer(1).As<Linear>()->weight().ToVector(),
            Tensor::RandUniform({8, 8}, ParameterSeed(7, "layers.1.weight"), -1 / std::sqrt(8.0f),
                                1 / std::sqrt(8.0f))
                .ToVector());
  MLP b({4, 8, 8, 2}, Activation::kSilu, true, 7);
  EXPECT_EQ(a.layer(2).As<Linear>()->bias().ToVector(), b.layer(2).As<Linear>()->bias().ToVector());
  ASSERT_TRUE(a.ReplaceModule("layers.2", std::make_unique<Linear>(8, 3)).ok());
  EXPECT_EQ(a.Forward(Tensor::RandN({5, 4}, 1))->shape(), (Shape{5, 3}));
}

TEST(MLP, GradCheckOverInputAndEveryParameter) {
  MLP mlp({5, 7, 3}, Activation::kGeluTanh, true, 2);
  NamedTensors params = mlp.NamedParameters();
  std::vector<Tensor> inputs = {Tensor::RandN({2, 3, 5}, 9)};
  for (const auto& [n, t] : params) inputs.push_back(t);
  // GradCheck differentiates with respect to its own detached copies of the inputs: bind them
  // into the module (SetParameter) before each forward.
  auto f = [&](const std::vector<Tensor>& in) -> absl::StatusOr<Tensor> {
    for (size_t i = 0; i < params.size(); ++i) {
      absl::Status s = mlp.SetParameter(params[i].first, in[i + 1]);
      if (!s.ok()) return s;
    }
    return mlp.Forward(in[0]);
  };
  absl::Status s = GradCheck(f, inputs);
  EXPECT_TRUE(s.ok()) << s;
}

TEST(MLP, FrozenFirstLayerGetsNoGradient) {
  MLP mlp({3, 4, 2}, Activation::kRelu);
  EXPECT_EQ(mlp.SetTrainable("layers.0.*", false), 2);
  Tensor loss = ops::Sum(mlp.Forward(Tensor::RandN({6, 3}, 4)).value()).value();
  ASSERT_TRUE(Backward(loss).ok());
  for (const auto& [n, t] : mlp.NamedParameters()) {
    EXPECT_EQ(t.grad().defined(), n.rfind("layers.1.", 0) == 0) << n;
  }
}

}  // namespace
}  // namespace vlmlab::nn
