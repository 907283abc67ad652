// Metric values with bootstrap confidence intervals, as every evaluator reports them (built-in
// or out-of-tree): the spec's bootstrap settings, the mean of per-example scores, or any
// statistic of a resampled index set.
//
//   metrics::BootstrapOptions b = BootstrapFor(*inputs.spec, inputs.seed);
//   out.metrics["overall"] = MeanWithCi(scores, b);          // value, ci_low, ci_high, n
//   out.metrics["median"] = StatisticWithCi(scores.size(), median_of_indices, b);
#ifndef VLMLAB_PLATFORM_EVAL_METRIC_INTERVALS_H_
#define VLMLAB_PLATFORM_EVAL_METRIC_INTERVALS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "platform/metrics/bootstrap.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/spec/evaluators.pb.h"

namespace vlmlab {

// bootstrap_samples and confidence of the evaluator's spec entry, with `seed`.
metrics::BootstrapOptions BootstrapFor(const EvaluatorSpec& spec, uint64_t seed);

// The mean of `scores` with its bootstrap interval (no interval when resamples is 0 or there
// are no scores: low = high = the mean).
MetricValue MeanWithCi(const std::vector<double>& scores, const metrics::BootstrapOptions& b);

// Any statistic of a resampled index set of n examples, with its interval.
MetricValue StatisticWithCi(size_t n, const metrics::Statistic& statistic,
                            const metrics::BootstrapOptions& b);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_EVAL_METRIC_INTERVALS_H_
