#include "platform/optim/clip.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace vlmlab::optim {
namespace {

Tensor WithGrad(std::vector<float> g) {
  Tensor p = Tensor::Zeros({static_cast<int64_t>(g.size())});
  p.set_requires_grad(true);
  p.set_grad(Tensor::FromVector({static_cast<int64_t>(g.size())}, g));
  return p;
}

TEST(ClipGradNorm, ScalesToTheLimitAndReturnsThePreClipNorm) {
  Tensor a = WithGrad({3, 0}), b = WithGrad({0, 4}), none = Tensor::Zeros({2});
  double norm = ClipGradNorm({a, b, none, a}, 1.0).value();  // a listed twice counts once
  EXPECT_DOUBLE_EQ(norm, 5.0);
  double scale = 1.0 / (5.0 + 1e-6);
  EXPECT_FLOAT_EQ(a.grad().ToVector()[0], static_cast<float>(3 * scale));
  EXPECT_FLOAT_EQ(b.grad().ToVector()[1], static_cast<float>(4 * scale));
  EXPECT_NEAR(GradNorm({a, b}).value(), 1.0, 1e-6);
}

TEST(ClipGradNorm, BelowTheLimitOrOffLeavesGradients) {
  Tensor a = WithGrad({0.3f, 0.4f});
  EXPECT_NEAR(ClipGradNorm({a}, 1.0).value(), 0.5, 1e-7);
  EXPECT_EQ(a.grad().ToVector(), (std::vector<float>{0.3f, 0.4f}));
  Tensor big = WithGrad({30, 40});
  EXPECT_DOUBLE_EQ(ClipGradNorm({big}, 0.0).value(), 50.0);  // max_norm 0: off
  EXPECT_EQ(big.grad().ToVector(), (std::vector<float>{30, 40}));
}

TEST(ClipGradNorm, NonFiniteNormLeavesGradientsAndIsDeterministic) {
  Tensor a = WithGrad({std::numeric_limits<float>::infinity(), 1});
  EXPECT_TRUE(std::isinf(ClipGradNorm({a}, 1.0).value()));
  EXPECT_EQ(a.grad().ToVector()[1], 1.0f);
  // Accumulated in double: many small values do not lose precision, and order is fixed.
  std::vector<float> many(100000, 1e-3f);
  Tensor m = WithGrad(many);
  double n1 = GradNorm({m}).value(), n2 = GradNorm({m}).value();
  EXPECT_EQ(n1, n2);
  EXPECT_NEAR(n1, std::sqrt(100000 * double{1e-3f} * double{1e-3f}), 1e-12);
}

}  // namespace
}  // namespace vlmlab::optim
