#include "plugins/stages/dpo_loss.h"

#include <cmath>

#include "gtest/gtest.h"
#include "platform/autograd/backward.h"

namespace vlmlab {
namespace {

double LogSigmoid(double x) { return -std::log1p(std::exp(-x)); }

TEST(DpoLoss, MatchesHandComputedValue) {
  // Pair 0: policy prefers chosen by 1.0 more than the reference: h = (-2 - -4) - (-3 - -4) = 1.
  // Pair 1: h = (-5 - -3) - (-4 - -4) = -2.
  Tensor pc = Tensor::FromVector({2}, {-2, -5});
  Tensor pr = Tensor::FromVector({2}, {-4, -3});
  Tensor rc = Tensor::FromVector({2}, {-3, -4});
  Tensor rr = Tensor::FromVector({2}, {-4, -4});
  const double beta = 0.5;
  auto r = DpoLoss(pc, pr, rc, rr, beta, 0.0f);
  ASSERT_TRUE(r.ok()) << r.status();
  double expected = -(LogSigmoid(0.5 * 1) + LogSigmoid(0.5 * -2)) / 2;  // = 0.8937...
  EXPECT_NEAR(r->loss.ToVector()[0], expected, 1e-6);
  EXPECT_NEAR(expected, 0.893669, 1e-5);  // written out: 0.5 * (0.474077 + 1.313262)
  EXPECT_NEAR(r->reward_margin, 0.5 * (1 - 2) / 2, 1e-9);
  EXPECT_NEAR(r->reward_accuracy, 0.5, 1e-9);
}

TEST(DpoLoss, LabelSmoothingAndGradient) {
  Tensor pc = Tensor::FromVector({1}, {-1});
  pc.set_requires_grad(true);
  Tensor pr = Tensor::FromVector({1}, {-2});
  Tensor zero = Tensor::FromVector({1}, {0});
  const double beta = 2, eps = 0.1;
  auto r = DpoLoss(pc, pr, zero, zero, beta, eps);
  ASSERT_TRUE(r.ok()) << r.status();
  // h = 1: loss = -(0.9) log s(2) - 0.1 log s(-2)
  double expected = -0.9 * LogSigmoid(2) - 0.1 * LogSigmoid(-2);
  EXPECT_NEAR(r->loss.ToVector()[0], expected, 1e-6);
  ASSERT_TRUE(Backward(r->loss).ok());
  // d/dpc = beta * (-(0.9) (1 - s(2)) + 0.1 s(2))
  double s = 1 / (1 + std::exp(-2.0));
  EXPECT_NEAR(pc.grad().ToVector()[0], beta * (-0.9 * (1 - s) + 0.1 * s), 1e-5);
}

TEST(DpoLoss, ExtremeMarginsStayFinite) {
  Tensor pc = Tensor::FromVector({2}, {0, -400});
  Tensor pr = Tensor::FromVector({2}, {-400, 0});
  Tensor zero = Tensor::FromVector({2}, {0, 0});
  auto r = DpoLoss(pc, pr, zero, zero, 1.0f, 0.0f);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->loss.ToVector()[0], 200.0, 1e-3);  // (0 + 400) / 2
}

TEST(DpoLoss, ShapeMismatchIsAnError) {
  Tensor a = Tensor::FromVector({2}, {0, 0});
  Tensor b = Tensor::FromVector({3}, {0, 0, 0});
  EXPECT_FALSE(DpoLoss(a, a, a, b, 0.1f, 0).ok());
}

}  // namespace
}  // namespace vlmlab
