// Bootstrap intervals: determinism for a seed, exact cases, coverage of the true mean, the
// corpus-statistic API and the paired comparison.
#include "platform/metrics/bootstrap.h"

#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace vlmlab::metrics {
namespace {

double Mean(const std::vector<double>& v, const std::vector<size_t>& idx) {
  double sum = 0;
  for (size_t i : idx) sum += v[i];
  return sum / static_cast<double>(idx.size());
}

TEST(BootstrapTest, DeterministicForASeed) {
  const std::vector<double> scores = {0, 1, 1, 0, 1, 0.5, 0.3, 1, 0, 0.9};
  BootstrapOptions opt;
  opt.resamples = 200;
  opt.seed = 42;
  const Interval a = *BootstrapMean(scores, opt);
  const Interval b = *BootstrapMean(scores, opt);
  EXPECT_EQ(a.lower, b.lower);
  EXPECT_EQ(a.upper, b.upper);
  EXPECT_NEAR(a.estimate, 0.57, 1e-12);
  EXPECT_LT(a.lower, a.estimate);
  EXPECT_GT(a.upper, a.estimate);
  opt.seed = 43;
  const Interval c = *BootstrapMean(scores, opt);
  EXPECT_TRUE(c.lower != a.lower || c.upper != a.upper);
  // The same resamples whatever the statistic.
  opt.seed = 42;
  const auto resamples = ResampleIndices(scores.size(), opt);
  ASSERT_EQ(resamples.size(), 200u);
  std::vector<double> means;
  for (const auto& idx : resamples) means.push_back(Mean(scores, idx));
  std::sort(means.begin(), means.end());
  EXPECT_DOUBLE_EQ(a.lower, SortedQuantile(means, 0.025));
  EXPECT_DOUBLE_EQ(a.upper, SortedQuantile(means, 0.975));
}

TEST(BootstrapTest, ThreadedResamplesMatchTheSequentialOnes) {
  // 1000 x 300 is large enough to run on several threads (when the machine has them).
  std::vector<double> scores(1000);
  for (size_t i = 0; i < scores.size(); ++i) scores[i] = static_cast<double>((i * 37) % 11) / 10;
  BootstrapOptions opt;
  opt.resamples = 300;
  opt.seed = 9;
  const Interval ci = *BootstrapMean(scores, opt);
  std::vector<double> means;
  for (const auto& idx : ResampleIndices(scores.size(), opt)) means.push_back(Mean(scores, idx));
  std::sort(means.begin(), means.end());
  EXPECT_DOUBLE_EQ(ci.lower, SortedQuantile(means, 0.025));
  EXPECT_DOUBLE_EQ(ci.upper, SortedQuantile(means, 0.975));
}

TEST(BootstrapTest, ConstantScoresGiveAPointInterval) {
  const Interval ci = *BootstrapMean(std::vector<double>(50, 0.25), BootstrapOptions{});
  EXPECT_DOUBLE_EQ(ci.lower, 0.25);
  EXPECT_DOUBLE_EQ(ci.upper, 0.25);
}

TEST(BootstrapTest, QuantilesInterpolateLikeNumpy) {
  const std::vector<double> v = {1, 2, 3, 4, 5};
  EXPECT_DOUBLE_EQ(SortedQuantile(v, 0.0), 1);
  EXPECT_DOUBLE_EQ(SortedQuantile(v, 1.0), 5);
  EXPECT_DOUBLE_EQ(SortedQuantile(v, 0.5), 3);
  EXPECT_DOUBLE_EQ(SortedQuantile(v, 0.1), 1.4);  // numpy.percentile(v, 10)
}

TEST(BootstrapTest, NinetyFivePercentIntervalsCoverTheTrueMean) {
  // 200 samples of 100 Bernoulli(0.3) scores; the 95% interval should hold 0.3 about 95% of
  // the time (percentile intervals run a little narrow at this size; expect 88%..99%).
  std::mt19937_64 gen(123);
  std::bernoulli_distribution coin(0.3);
  BootstrapOptions opt;
  opt.resamples = 400;
  int covered = 0;
  const int trials = 200;
  for (int t = 0; t < trials; ++t) {
    std::vector<double> scores(100);
    for (double& s : scores) s = coin(gen) ? 1 : 0;
    opt.seed = t;
    const Interval ci = *BootstrapMean(scores, opt);
    if (ci.lower <= 0.3 && 0.3 <= ci.upper) ++covered;
  }
  EXPECT_GE(covered, trials * 88 / 100);
  EXPECT_LE(covered, trials * 99 / 100);
}

TEST(BootstrapTest, IntervalWidthShrinksLikeOneOverRootN) {
  BootstrapOptions opt;
  opt.resamples = 1000;
  std::vector<double> small, large;
  for (int i = 0; i < 100; ++i) small.push_back(i % 2);
  for (int i = 0; i < 2500; ++i) large.push_back(i % 2);
  const Interval a = *BootstrapMean(small, opt), b = *BootstrapMean(large, opt);
  // sd of the mean: 0.5 / sqrt(n); 95% width ~ 3.92 sd.
  EXPECT_NEAR(a.upper - a.lower, 3.92 * 0.05, 0.04);
  EXPECT_NEAR(b.upper - b.lower, 3.92 * 0.01, 0.008);
}

TEST(BootstrapTest, CorpusStatisticsSeeTheResampledIndices) {
  // A statistic that is not a mean of per-example values: the number of distinct examples.
  BootstrapOptions opt;
  opt.resamples = 300;
  const Interval ci = *BootstrapStatistic(
      100,
      [](const std::vector<size_t>& idx) {
        std::vector<size_t> sorted = idx;
        std::sort(sorted.begin(), sorted.end());
        return static_cast<double>(std::unique(sorted.begin(), sorted.end()) - sorted.begin());
      },
      opt);
  EXPECT_DOUBLE_EQ(ci.estimate, 100);
  // Expected distinct count 100 * (1 - (1 - 1/100)^100) = 63.4.
  EXPECT_GT(ci.lower, 55);
  EXPECT_LT(ci.upper, 72);
  const auto many = *BootstrapStatistics(
      10,
      [](const std::vector<size_t>& idx) {
        return std::vector<double>{1.0, 2.0 * idx.size()};
      },
      opt);
  ASSERT_EQ(many.size(), 2u);
  EXPECT_DOUBLE_EQ(many[1].lower, 20);
}

TEST(BootstrapTest, PairedComparison) {
  std::vector<double> a, b;
  for (int i = 0; i < 400; ++i) {
    b.push_back(i % 2);
    a.push_back(i % 4 == 0 ? 1 : b.back());  // a = b plus 100 extra successes
  }
  BootstrapOptions opt;
  opt.resamples = 500;
  const PairedComparison better = *PairedBootstrapMeans(a, b, opt);
  EXPECT_NEAR(better.difference.estimate, 0.25, 1e-12);
  EXPECT_GT(better.difference.lower, 0.15);
  EXPECT_EQ(better.p_value, 0.0);
  EXPECT_EQ(better.fraction_a_not_better, 0.0);

  const PairedComparison same = *PairedBootstrapMeans(b, b, opt);
  EXPECT_DOUBLE_EQ(same.difference.lower, 0.0);
  EXPECT_DOUBLE_EQ(same.difference.upper, 0.0);
  EXPECT_DOUBLE_EQ(same.p_value, 1.0);
  EXPECT_DOUBLE_EQ(same.fraction_a_not_better, 1.0);

  // Deterministic, and the same as the Statistic form.
  const PairedComparison again = *PairedBootstrap(
      a.size(), [&](const std::vector<size_t>& idx) { return Mean(a, idx); },
      [&](const std::vector<size_t>& idx) { return Mean(b, idx); }, opt);
  EXPECT_EQ(again.difference.lower, better.difference.lower);
  EXPECT_EQ(again.difference.upper, better.difference.upper);
}

TEST(BootstrapTest, BadInputIsAnError) {
  EXPECT_FALSE(BootstrapMean({}, BootstrapOptions{}).ok());
  BootstrapOptions opt;
  opt.resamples = 0;
  EXPECT_FALSE(BootstrapMean({1.0}, opt).ok());
  opt.resamples = 10;
  opt.confidence = 1.5;
  EXPECT_FALSE(BootstrapMean({1.0}, opt).ok());
  EXPECT_FALSE(PairedBootstrapMeans({1.0}, {1.0, 2.0}, BootstrapOptions{}).ok());
}

}  // namespace
}  // namespace vlmlab::metrics
