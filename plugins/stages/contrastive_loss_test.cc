#include "plugins/stages/contrastive_loss.h"

#include <cmath>

#include "gtest/gtest.h"
#include "platform/autograd/backward.h"
#include "platform/ops/composite_ops.h"
#include "platform/ops/testing/gradcheck.h"

namespace vlmlab {
namespace {

// Two unit-length pairs in two dimensions: image 0 = (1, 0), image 1 = (0.6, 0.8);
// text 0 = (0.8, 0.6), text 1 = (0, 1). Dot products: [[0.8, 0], [0.96, 0.8]].
Tensor Images() { return Tensor::FromVector({2, 2}, {1, 0, 0.6f, 0.8f}); }
Tensor Texts() { return Tensor::FromVector({2, 2}, {0.8f, 0.6f, 0, 1}); }

double LogSumExp(double a, double b) { return std::log(std::exp(a) + std::exp(b)); }

TEST(ClipLoss, MatchesHandComputedValue) {
  const double t = 2.0;  // scale e^0.693.. = 2
  Tensor log_scale = Tensor::FromVector({1}, {static_cast<float>(std::log(t))});
  auto r = ClipLoss(Images(), Texts(), log_scale);
  ASSERT_TRUE(r.ok()) << r.status();
  // Logits 2 * [[0.8, 0], [0.96, 0.8]].
  const double s00 = 1.6, s01 = 0, s10 = 1.92, s11 = 1.6;
  const double rows = (LogSumExp(s00, s01) - s00 + LogSumExp(s10, s11) - s11) / 2;
  const double cols = (LogSumExp(s00, s10) - s00 + LogSumExp(s01, s11) - s11) / 2;
  EXPECT_NEAR(r->loss.ToVector()[0], (rows + cols) / 2, 1e-6);
  EXPECT_NEAR(r->scale, 2.0, 1e-6);
  EXPECT_NEAR(r->accuracy, 0.5, 1e-9);  // image 1 prefers text 0 (1.92 > 1.6)
}

TEST(ClipLoss, ScaleIsClampedAtOneHundredWithoutGradient) {
  Tensor log_scale = Tensor::FromVector({1}, {6.0f});  // e^6 = 403 > 100
  log_scale.set_requires_grad(true);
  Tensor images = Images();
  images.set_requires_grad(true);
  auto r = ClipLoss(images, Texts(), log_scale);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NEAR(r->scale, 100.0, 1e-9);
  const double s00 = 80, s01 = 0, s10 = 96, s11 = 80;
  const double rows = (LogSumExp(s00, s01) - s00 + LogSumExp(s10, s11) - s11) / 2;
  const double cols = (LogSumExp(s00, s10) - s00 + LogSumExp(s01, s11) - s11) / 2;
  EXPECT_NEAR(r->loss.ToVector()[0], (rows + cols) / 2, 1e-4);
  absl::Status b = Backward(r->loss);
  ASSERT_TRUE(b.ok()) << b;
  EXPECT_FALSE(log_scale.grad().defined() && log_scale.grad().ToVector()[0] != 0);
}

TEST(SigLipLoss, MatchesHandComputedValue) {
  Tensor log_scale = Tensor::FromVector({1}, {static_cast<float>(std::log(10.0))});
  Tensor bias = Tensor::FromVector({1}, {-5});
  auto r = SigLipLoss(Images(), Texts(), log_scale, bias);
  ASSERT_TRUE(r.ok()) << r.status();
  auto log_sigmoid = [](double x) { return -std::log1p(std::exp(-x)); };
  // Logits 10 * dots - 5 = [[3, -5], [4.6, 3]]; labels +1 on the diagonal, -1 elsewhere.
  const double sum = log_sigmoid(3) + log_sigmoid(5) + log_sigmoid(-4.6) + log_sigmoid(3);
  EXPECT_NEAR(r->loss.ToVector()[0], -sum / 2, 1e-5);
  EXPECT_NEAR(r->scale, 10.0, 1e-5);
}

// Gradients through the normalisation too, as the stage uses the losses.
TEST(ContrastiveLosses, GradientsMatchFiniteDifferences) {
  auto normalized = [](const Tensor& x) { return ops::L2Normalize(x).value(); };
  GradCheckOptions o;
  o.eps = 1e-2;
  absl::Status clip = GradCheck(
      [&](const std::vector<Tensor>& in) -> absl::StatusOr<Tensor> {
        absl::StatusOr<ContrastiveLossResult> r =
            ClipLoss(normalized(in[0]), normalized(in[1]), in[2]);
        if (!r.ok()) return r.status();
        return r->loss;
      },
      {Tensor::RandN({4, 3}, 1), Tensor::RandN({4, 3}, 2), Tensor::FromVector({1}, {1.2f})}, o);
  EXPECT_TRUE(clip.ok()) << clip;
  absl::Status siglip = GradCheck(
      [&](const std::vector<Tensor>& in) -> absl::StatusOr<Tensor> {
        absl::StatusOr<ContrastiveLossResult> r =
            SigLipLoss(normalized(in[0]), normalized(in[1]), in[2], in[3]);
        if (!r.ok()) return r.status();
        return r->loss;
      },
      {Tensor::RandN({4, 3}, 3), Tensor::RandN({4, 3}, 4), Tensor::FromVector({1}, {1.0f}),
       Tensor::FromVector({1}, {-1.5f})},
      o);
  EXPECT_TRUE(siglip.ok()) << siglip;
}

TEST(ContrastiveLosses, MismatchedShapesAreErrors) {
  Tensor s = Tensor::FromVector({1}, {0});
  EXPECT_FALSE(ClipLoss(Tensor::RandN({2, 3}, 1), Tensor::RandN({3, 3}, 1), s).ok());
  EXPECT_FALSE(SigLipLoss(Images(), Texts(), s, Tensor::FromVector({2}, {0, 0})).ok());
}

}  // namespace
}  // namespace vlmlab
