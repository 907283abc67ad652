// Bootstrap confidence intervals, deterministic for a seed. A resample draws n indices from
// 0..n-1 with replacement (resample r has its own SplitMix64 stream derived from the seed and r,
// with unbiased rejection, so results are identical on every platform and whatever the number
// of threads); the statistic is any function of the resampled index list, which lets corpus
// metrics (BLEU, CIDEr-D with its document frequencies) be recomputed on each resample, not
// averaged. Intervals are percentile intervals: the (1-c)/2 and (1+c)/2 quantiles of the
// resampled statistics, linearly interpolated (numpy's default). The paired bootstrap applies
// the same resamples to two systems scored on the same examples. Large jobs evaluate resamples
// on up to 8 threads, so a statistic must be safe to call concurrently (pure functions of the
// indices and of data they only read are).
//
//   BootstrapOptions opt{.resamples = 1000, .seed = 7};
//   VLMLAB_ASSIGN_OR_RETURN(Interval ci, BootstrapMean(per_example_scores, opt));
//   VLMLAB_ASSIGN_OR_RETURN(Interval cider_ci, BootstrapStatistic(n,
//       [&](const std::vector<size_t>& idx) { return cider.Mean(idx); }, opt));
//   VLMLAB_ASSIGN_OR_RETURN(PairedComparison d, PairedBootstrap(n, stat_a, stat_b, opt));
#ifndef VLMLAB_PLATFORM_METRICS_BOOTSTRAP_H_
#define VLMLAB_PLATFORM_METRICS_BOOTSTRAP_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"

namespace vlmlab::metrics {

struct BootstrapOptions {
  int resamples = 1000;
  uint64_t seed = 0;
  double confidence = 0.95;
  // Called after each resample with (resamples done, resamples), possibly from several
  // threads at once; for progress display. Unset: nothing.
  std::function<void(int done, int total)> on_progress;
};

struct Interval {
  double estimate = 0;  // the statistic on the original sample
  double lower = 0;
  double upper = 0;
};

// A statistic of the examples at the given indices (repeats count again).
using Statistic = std::function<double(const std::vector<size_t>& indices)>;
// Several statistics from one pass over a resample (e.g. BLEU-1..4).
using MultiStatistic = std::function<std::vector<double>(const std::vector<size_t>& indices)>;

// The resampled index lists the functions below use, in order: resample r of the options'
// seed is the same whatever the statistic.
std::vector<std::vector<size_t>> ResampleIndices(size_t n, const BootstrapOptions& options);

// The percentile interval; errors: n == 0, resamples < 1, confidence outside (0, 1).
absl::StatusOr<Interval> BootstrapStatistic(size_t n, const Statistic& statistic,
                                            const BootstrapOptions& options);
absl::StatusOr<std::vector<Interval>> BootstrapStatistics(size_t n,
                                                          const MultiStatistic& statistics,
                                                          const BootstrapOptions& options);
absl::StatusOr<Interval> BootstrapMean(const std::vector<double>& scores,
                                       const BootstrapOptions& options);

struct PairedComparison {
  Interval difference;  // a - b: estimate and percentile interval
  // Two-sided: twice the smaller fraction of resampled differences on either side of 0
  // (counting 0 on both), at most 1.
  double p_value = 1;
  // Fraction of resamples where a is not better than b (difference <= 0).
  double fraction_a_not_better = 0;
};

absl::StatusOr<PairedComparison> PairedBootstrap(size_t n, const Statistic& a, const Statistic& b,
                                                 const BootstrapOptions& options);
// The same for per-example scores of two systems (both of length n).
absl::StatusOr<PairedComparison> PairedBootstrapMeans(const std::vector<double>& a,
                                                      const std::vector<double>& b,
                                                      const BootstrapOptions& options);

// Linear-interpolation quantile (numpy's default) of already sorted values; q in [0, 1].
double SortedQuantile(const std::vector<double>& sorted, double q);

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_BOOTSTRAP_H_
