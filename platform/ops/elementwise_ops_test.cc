#include "platform/ops/elementwise_ops.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/autograd/backward.h"
#include "platform/autograd/grad_mode.h"
#include "platform/ops/shape_ops.h"
#include "platform/ops/testing/gradcheck.h"

namespace vlmlab {
namespace {

TEST(ElementwiseOps, BroadcastingArithmetic) {
  Tensor a = Tensor::FromVector({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = Tensor::FromVector({3}, {10, 20, 30});
  EXPECT_EQ(ops::Add(a, b)->ToVector(), (std::vector<float>{11, 22, 33, 14, 25, 36}));
  EXPECT_EQ(ops::Sub(a, b)->ToVector(), (std::vector<float>{-9, -18, -27, -6, -15, -24}));
  EXPECT_EQ(ops::Mul(b, a)->ToVector(), (std::vector<float>{10, 40, 90, 40, 100, 180}));
  Tensor c = Tensor::FromVector({2, 1}, {2, 4});
  EXPECT_EQ(ops::Div(a, c)->ToVector(), (std::vector<float>{0.5, 1, 1.5, 1, 1.25, 1.5}));
}

TEST(ElementwiseOps, ErrorsNameTheOpAndShapes) {
  Tensor a = Tensor::Zeros({2, 3}), b = Tensor::Zeros({4});
  absl::StatusOr<Tensor> r = ops::Add(a, b);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("add: shapes [2, 3] and [4] do not broadcast"),
            std::string::npos)
      << r.status();
  absl::StatusOr<Tensor> d = ops::Mul(a, Tensor::Zeros({3}, DType::kBF16));
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.status().message(), ::testing::HasSubstr("mul: f32[2, 3] cpu and bf16[3] cpu"));
  EXPECT_FALSE(ops::Exp(Tensor::FromInts({1}, {1})).ok());
  EXPECT_FALSE(ops::Add(Tensor(), a).ok());
}

TEST(ElementwiseOps, ActivationValues) {
  Tensor x = Tensor::FromVector({3}, {-1, 0, 2});
  std::vector<float> gelu = ops::Gelu(x, /*tanh_approximation=*/false)->ToVector();
  EXPECT_NEAR(gelu[0], -0.158655, 1e-5);
  EXPECT_NEAR(gelu[2], 1.954500, 1e-5);
  std::vector<float> gelu_tanh = ops::Gelu(x)->ToVector();
  EXPECT_NEAR(gelu_tanh[0], -0.158808, 1e-5);
  std::vector<float> silu = ops::Silu(x)->ToVector();
  EXPECT_NEAR(silu[2], 2 / (1 + std::exp(-2.0)), 1e-6);
  EXPECT_EQ(ops::Relu(x)->ToVector(), (std::vector<float>{0, 0, 2}));
}

TEST(ElementwiseOps, GradientsMatchFiniteDifferences) {
  Tensor a = Tensor::RandN({3, 1, 5}, 1), b = Tensor::RandN({4, 5}, 2);
  Tensor positive = Tensor::RandUniform({4, 5}, 3, 0.5f, 2.0f);
  for (BinaryOp op : {BinaryOp::kAdd, BinaryOp::kSub, BinaryOp::kMul, BinaryOp::kDiv}) {
    Tensor rhs = op == BinaryOp::kDiv ? positive : b;
    absl::Status s = GradCheck(
        [op](const std::vector<Tensor>& in) { return ops::Binary(op, in[0], in[1]); }, {a, rhs});
    EXPECT_TRUE(s.ok()) << BinaryOpName(op) << ": " << s;
  }
  Tensor x = Tensor::RandN({7, 3}, 4);
  Tensor pos = Tensor::RandUniform({7, 3}, 5, 0.5f, 3.0f);
  for (UnaryOp op : {UnaryOp::kScale, UnaryOp::kAddScalar, UnaryOp::kGeluTanh, UnaryOp::kGeluErf,
                     UnaryOp::kSilu, UnaryOp::kSigmoid, UnaryOp::kTanh, UnaryOp::kExp,
                     UnaryOp::kLog, UnaryOp::kSquare, UnaryOp::kSqrt, UnaryOp::kRsqrt}) {
    bool needs_positive = op == UnaryOp::kLog || op == UnaryOp::kSqrt || op == UnaryOp::kRsqrt;
    absl::Status s =
        GradCheck([op](const std::vector<Tensor>& in) { return ops::Unary(op, in[0], 1.7f); },
                  {needs_positive ? pos : x});
    EXPECT_TRUE(s.ok()) << UnaryOpName(op) << ": " << s;
  }
  EXPECT_TRUE(GradCheck(
                  [](const std::vector<Tensor>& in) {
                    return ops::SumTo(in[0], {1, 3});
                  },
                  {x})
                  .ok());
  EXPECT_TRUE(GradCheck(
                  [](const std::vector<Tensor>& in) {
                    return ops::BroadcastTo(in[0], {4, 7, 3});
                  },
                  {x})
                  .ok());
}

TEST(Autograd, AccumulatesNoGradAndFrozenInputs) {
  Tensor w = Tensor::FromVector({2}, {1, 2});
  w.set_requires_grad(true);
  Tensor frozen = Tensor::FromVector({2}, {3, 4});
  for (int step = 0; step < 2; ++step) {
    Tensor y = ops::Mul(w, frozen).value();
    Tensor loss = ops::Sum(y).value();
    ASSERT_TRUE(Backward(loss).ok());
    EXPECT_FALSE(Backward(loss).ok());  // a graph is used once
  }
  EXPECT_EQ(w.grad().ToVector(), (std::vector<float>{6, 8}));  // accumulated twice
  EXPECT_FALSE(frozen.grad().defined());
  {
    NoGradScope no_grad;
    Tensor y = ops::Mul(w, frozen).value();
    EXPECT_FALSE(y.requires_grad());
  }
  Tensor y = ops::Mul(w, frozen).value();
  EXPECT_FALSE(Backward(y).ok());  // not a scalar
  EXPECT_TRUE(Backward(y, Tensor::Full({2}, 1)).ok());
}

}  // namespace
}  // namespace vlmlab
