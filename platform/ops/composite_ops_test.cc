#include "platform/ops/composite_ops.h"

#include <cmath>

#include "gtest/gtest.h"
#include "platform/ops/testing/gradcheck.h"

namespace vlmlab::ops {
namespace {

TEST(LogSigmoid, MatchesTheFormulaAndStaysFiniteAtExtremes) {
  Tensor x = Tensor::FromVector({5}, {-500, -2, 0, 3, 500});
  auto y = LogSigmoid(x);
  ASSERT_TRUE(y.ok()) << y.status();
  std::vector<float> v = y->ToVector();
  EXPECT_NEAR(v[0], -500, 1e-3);
  EXPECT_NEAR(v[1], -std::log1p(std::exp(2.0)), 1e-6);
  EXPECT_NEAR(v[2], -std::log(2.0), 1e-6);
  EXPECT_NEAR(v[3], -std::log1p(std::exp(-3.0)), 1e-6);
  EXPECT_NEAR(v[4], 0, 1e-6);
}

TEST(LogSigmoid, GradientMatchesFiniteDifferences) {
  absl::Status s = GradCheck([](const std::vector<Tensor>& in) { return LogSigmoid(in[0]); },
                             {Tensor::RandN({4, 5}, 3, 2.0f)});
  EXPECT_TRUE(s.ok()) << s;
}

TEST(L2Normalize, RowsHaveUnitLengthAndGradientChecks) {
  Tensor x = Tensor::FromVector({2, 2}, {3, 4, 0, -2});
  auto y = L2Normalize(x);
  ASSERT_TRUE(y.ok()) << y.status();
  std::vector<float> v = y->ToVector();
  EXPECT_NEAR(v[0], 0.6, 1e-6);
  EXPECT_NEAR(v[1], 0.8, 1e-6);
  EXPECT_NEAR(v[2], 0, 1e-6);
  EXPECT_NEAR(v[3], -1, 1e-6);
  absl::Status s = GradCheck([](const std::vector<Tensor>& in) { return L2Normalize(in[0]); },
                             {Tensor::RandN({3, 6}, 5)});
  EXPECT_TRUE(s.ok()) << s;
}

}  // namespace
}  // namespace vlmlab::ops
