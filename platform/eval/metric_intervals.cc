#include "platform/eval/metric_intervals.h"

#include "absl/status/statusor.h"

namespace vlmlab {

metrics::BootstrapOptions BootstrapFor(const EvaluatorSpec& spec, uint64_t seed) {
  metrics::BootstrapOptions b;
  b.resamples = spec.bootstrap_samples();
  b.confidence = spec.confidence();
  b.seed = seed;
  return b;
}

MetricValue StatisticWithCi(size_t n, const metrics::Statistic& statistic,
                            const metrics::BootstrapOptions& b) {
  std::vector<size_t> all(n);
  for (size_t i = 0; i < n; ++i) all[i] = i;
  MetricValue m;
  m.n = static_cast<int64_t>(n);
  m.value = n > 0 ? statistic(all) : 0;
  m.ci_low = m.ci_high = m.value;
  if (n == 0 || b.resamples <= 0) return m;
  absl::StatusOr<metrics::Interval> ci = metrics::BootstrapStatistic(n, statistic, b);
  if (ci.ok()) {
    m.ci_low = ci->lower;
    m.ci_high = ci->upper;
  }
  return m;
}

MetricValue MeanWithCi(const std::vector<double>& scores, const metrics::BootstrapOptions& b) {
  return StatisticWithCi(
      scores.size(),
      [&scores](const std::vector<size_t>& idx) {
        double s = 0;
        for (size_t i : idx) s += scores[i];
        return idx.empty() ? 0.0 : s / idx.size();
      },
      b);
}

}  // namespace vlmlab
