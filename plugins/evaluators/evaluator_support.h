// Shared pieces of the evaluator plugins: bootstrap settings from the spec, metric values with
// confidence intervals, the sample's own prompt, per-example JSON records.
//
//   metrics::BootstrapOptions b = BootstrapFor(*inputs.spec, inputs.seed);
//   out.metrics["overall"] = MeanWithCi(scores, b);
#ifndef VLMLAB_PLUGINS_EVALUATORS_EVALUATOR_SUPPORT_H_
#define VLMLAB_PLUGINS_EVALUATORS_EVALUATOR_SUPPORT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "platform/data/sample.h"
#include "platform/metrics/bootstrap.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/spec/evaluators.pb.h"

namespace vlmlab {

metrics::BootstrapOptions BootstrapFor(const EvaluatorSpec& spec, uint64_t seed);

// The mean of `scores` with its bootstrap interval (no interval when resamples is 0 or there
// are no scores: low = high = the mean).
MetricValue MeanWithCi(const std::vector<double>& scores, const metrics::BootstrapOptions& b);
// Any statistic of a resampled index set, with its interval.
MetricValue StatisticWithCi(size_t n, const metrics::Statistic& statistic,
                            const metrics::BootstrapOptions& b);

// The text of the sample's first user turn (image placeholders included): the prompt the
// sample itself asks, for evaluators without a prompt template.
std::string OwnPrompt(const Sample& sample);
// The text of the sample's last assistant turn ("" when there is none).
std::string OwnAnswer(const Sample& sample);

// The per-example record every evaluator writes: key, prompt, prediction, score, image.
nlohmann::json ExampleRecord(const Sample& sample, const std::string& prompt,
                             const std::string& prediction, double score);

// Adds "<prefix>/<group>" metrics (mean with CI) for the scores of each group.
void AddGroupMetrics(const std::string& prefix, const std::vector<double>& scores,
                     const std::vector<std::string>& groups, const metrics::BootstrapOptions& b,
                     EvalOutput* out);

}  // namespace vlmlab

#endif  // VLMLAB_PLUGINS_EVALUATORS_EVALUATOR_SUPPORT_H_
