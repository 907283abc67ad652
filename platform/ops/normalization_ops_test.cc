#include "platform/ops/normalization_ops.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/autograd/backward.h"
#include "platform/ops/shape_ops.h"
#include "platform/ops/testing/gradcheck.h"

namespace vlmlab {
namespace {

// Tighter than the defaults (atol 2e-3, rtol 2e-2), which would miss a 1% error in a gradient.
GradCheckOptions Tight() {
  GradCheckOptions o;
  o.atol = 3e-4;
  o.rtol = 3e-3;
  return o;
}

TEST(NormalizationOps, LayerNormOfAKnownRow) {
  // [1, 2, 3, 4]: mean 2.5, biased variance 1.25.
  Tensor x = Tensor::FromVector({1, 4}, {1, 2, 3, 4});
  const float k = 1 / std::sqrt(1.25f);
  EXPECT_THAT(ops::LayerNorm(x, Tensor(), Tensor(), 0.0f)->ToVector(),
              ::testing::Pointwise(::testing::FloatNear(1e-6),
                                   std::vector<float>{-1.5f * k, -0.5f * k, 0.5f * k, 1.5f * k}));
  Tensor w = Tensor::FromVector({4}, {1, 2, 1, -1}), b = Tensor::FromVector({4}, {0, 0, 1, 0.5});
  EXPECT_THAT(ops::LayerNorm(x, w, b, 0.0f)->ToVector(),
              ::testing::Pointwise(::testing::FloatNear(1e-6),
                                   {-1.5f * k, -1.0f * k, 0.5f * k + 1, -1.5f * k + 0.5f}));
  // eps enters under the square root: a constant row maps to the bias.
  Tensor c = Tensor::Full({2, 3}, 7.0f);
  EXPECT_THAT(
      ops::LayerNorm(c, Tensor(), Tensor::FromVector({3}, {1, 2, 3}))->ToVector(),
      ::testing::Pointwise(::testing::FloatNear(1e-6), std::vector<float>{1, 2, 3, 1, 2, 3}));
}

TEST(NormalizationOps, RmsNormOfAKnownRow) {
  // [3, 4]: mean square 12.5.
  Tensor x = Tensor::FromVector({1, 2}, {3, 4});
  const float r = 1 / std::sqrt(12.5f);
  EXPECT_THAT(ops::RmsNorm(x, Tensor(), 0.0f)->ToVector(),
              ::testing::Pointwise(::testing::FloatNear(1e-6), std::vector<float>{3 * r, 4 * r}));
  EXPECT_THAT(ops::RmsNorm(x, Tensor::FromVector({2}, {2, -1}), 0.0f)->ToVector(),
              ::testing::Pointwise(::testing::FloatNear(1e-6), std::vector<float>{6 * r, -4 * r}));
}

TEST(NormalizationOps, LayerNormGradients) {
  int seed = 1;
  for (const Shape& shape : {Shape{3, 7, 37}, Shape{1, 1}, Shape{2, 5}, Shape{4, 300}}) {
    const int64_t c = shape.back();
    Tensor x = Tensor::RandN(shape, seed++, 2.0f);
    Tensor w = Tensor::RandN({c}, seed++), b = Tensor::RandN({c}, seed++);
    absl::Status s =
        GradCheck([](const std::vector<Tensor>& in) { return ops::LayerNorm(in[0], in[1], in[2]); },
                  {x, w, b}, Tight());
    EXPECT_TRUE(s.ok()) << "layer_norm " << ShapeString(shape) << ": " << s;
    s = GradCheck([](const std::vector<Tensor>& in) { return ops::LayerNorm(in[0]); }, {x},
                  Tight());
    EXPECT_TRUE(s.ok()) << "layer_norm without affine " << ShapeString(shape) << ": " << s;
    s = GradCheck(
        [](const std::vector<Tensor>& in) { return ops::LayerNorm(in[0], Tensor(), in[1]); },
        {x, b}, Tight());
    EXPECT_TRUE(s.ok()) << "layer_norm with bias only " << ShapeString(shape) << ": " << s;
  }
}

TEST(NormalizationOps, RmsNormGradients) {
  int seed = 100;
  for (const Shape& shape : {Shape{3, 7, 37}, Shape{1, 1}, Shape{2, 5}, Shape{4, 300}}) {
    Tensor x = Tensor::RandN(shape, seed++, 2.0f), w = Tensor::RandN({shape.back()}, seed++);
    absl::Status s = GradCheck(
        [](const std::vector<Tensor>& in) { return ops::RmsNorm(in[0], in[1]); }, {x, w}, Tight());
    EXPECT_TRUE(s.ok()) << "rms_norm " << ShapeString(shape) << ": " << s;
    s = GradCheck([](const std::vector<Tensor>& in) { return ops::RmsNorm(in[0]); }, {x}, Tight());
    EXPECT_TRUE(s.ok()) << "rms_norm without weight " << ShapeString(shape) << ": " << s;
  }
}

TEST(NormalizationOps, FrozenParametersGetNoGradient) {
  Tensor x = Tensor::RandN({3, 6}, 7), w = Tensor::RandN({6}, 8), b = Tensor::RandN({6}, 9);
  x.set_requires_grad(true);
  Tensor loss = ops::Sum(ops::LayerNorm(x, w, b).value()).value();
  ASSERT_TRUE(Backward(loss).ok());
  EXPECT_TRUE(x.grad().defined());
  EXPECT_FALSE(w.grad().defined());
  EXPECT_FALSE(b.grad().defined());
  // Only the bias trains: its gradient is the column sum of the output gradient.
  Tensor x2 = Tensor::RandN({3, 6}, 7), b2 = Tensor::RandN({6}, 9);
  b2.set_requires_grad(true);
  ASSERT_TRUE(Backward(ops::Sum(ops::LayerNorm(x2, w, b2).value()).value()).ok());
  EXPECT_EQ(b2.grad().ToVector(), std::vector<float>(6, 3.0f));
}

TEST(NormalizationOps, ErrorsNameTheOpAndShapes) {
  Tensor x = Tensor::Zeros({2, 5});
  absl::StatusOr<Tensor> r = ops::LayerNorm(x, Tensor::Zeros({4}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(
                "layer_norm: input [2, 5] and weight [4]: weight must have the last dimension 5"),
            std::string::npos)
      << r.status();
  r = ops::LayerNorm(x, Tensor(), Tensor::Zeros({1, 5}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("layer_norm: input [2, 5] and bias [1, 5]"),
            std::string::npos)
      << r.status();
  r = ops::RmsNorm(x, Tensor::Zeros({6}));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), ::testing::HasSubstr("rms_norm: input [2, 5] and weight [6]"))
      << r.status();
  r = ops::LayerNorm(x, Tensor::Zeros({5}, DType::kBF16));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("layer_norm: f32[2, 5] cpu and bf16[5] cpu"),
            std::string::npos)
      << r.status();
  r = ops::LayerNorm(x, Tensor(), Tensor(), -1.0f);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), ::testing::HasSubstr("layer_norm: eps -1")) << r.status();
  EXPECT_FALSE(ops::RmsNorm(x, Tensor(), std::nanf("")).ok());
  EXPECT_FALSE(ops::RmsNorm(Tensor::Full({}, 1.0f)).ok());
  EXPECT_FALSE(ops::LayerNorm(Tensor::FromInts({2}, {1, 2})).ok());
  EXPECT_FALSE(ops::LayerNorm(Tensor()).ok());
}

TEST(NormalizationOps, Bf16MatchesF32) {
  Tensor x = Tensor::RandN({4, 33}, 5), w = Tensor::RandN({33}, 6), b = Tensor::RandN({33}, 7);
  Tensor y = ops::LayerNorm(x, w, b).value();
  Tensor yb = ops::LayerNorm(x.To(DType::kBF16), w.To(DType::kBF16), b.To(DType::kBF16)).value();
  EXPECT_EQ(yb.dtype(), DType::kBF16);
  EXPECT_LT(MaxAbsDiff(yb.To(DType::kF32), y), 0.1);
}

}  // namespace
}  // namespace vlmlab
