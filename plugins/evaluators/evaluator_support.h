// Shared pieces of the evaluator plugins: bootstrap settings from the spec, metric values with
// confidence intervals, the sample's own prompt, k-shot demonstrations, short-answer
// questions, per-example JSON records.
//
//   metrics::BootstrapOptions b = BootstrapFor(*inputs.spec, inputs.seed);
//   out.metrics["overall"] = MeanWithCi(scores, b);
//   VLMLAB_ASSIGN_OR_RETURN(Asked a, AskShortAnswers(model, inputs, options.prompt()));
#ifndef VLMLAB_PLUGINS_EVALUATORS_EVALUATOR_SUPPORT_H_
#define VLMLAB_PLUGINS_EVALUATORS_EVALUATOR_SUPPORT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "platform/data/sample.h"
#include "platform/eval/few_shot.h"
#include "platform/eval/metric_intervals.h"
#include "platform/metrics/bootstrap.h"
#include "platform/model/vlm_model.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/spec/evaluators.pb.h"

namespace vlmlab {

// BootstrapFor, MeanWithCi, StatisticWithCi: platform/eval/metric_intervals.h.

// The text of the sample's first user turn (image placeholders included): the prompt the
// sample itself asks, for evaluators without a prompt template.
std::string OwnPrompt(const Sample& sample);
// The text of the sample's last assistant turn ("" when there is none).
std::string OwnAnswer(const Sample& sample);
// The most frequent of `answers` (ties: the first to reach the count); "" for none. The
// answer a VQA demonstration shows.
std::string MajorityAnswer(const std::vector<std::string>& answers);

// k-shot prompts (platform/eval/few_shot.h) for `queries`: with spec.shots > 0, up to
// spec.shots_pool samples are read from inputs.shot_samples and each query gets spec.shots
// demonstrations formatted by `format`. An error when shots > 0 without shot samples.
struct ShotPrompts {
  eval::FewShotSet set;  // empty when shots is 0
  // The samples to generate from: the queries themselves when shots is 0.
  const std::vector<Sample>& Samples(const std::vector<Sample>& queries) const {
    return set.samples.empty() ? queries : set.samples;
  }
  // Adds "shots": the demonstrations' keys, to example i's record (nothing without shots).
  void Record(size_t i, nlohmann::json& record) const;
};
absl::StatusOr<ShotPrompts> PrepareShots(const EvalInputs& inputs,
                                         const std::vector<Sample>& queries,
                                         const eval::DemonstrationFormatter& format);

// Short-answer questions asked and answered: the questions come from the samples' VQA
// annotations (asked with `prompt_template`, or their own prompt when it is empty); a sample
// without one is asked its own first user turn and judged against its last assistant turn.
struct Asked {
  std::vector<Sample> samples;
  std::vector<std::string> prompts;
  std::vector<std::vector<std::string>> gold;
  std::vector<std::string> replies;
  ShotPrompts shots;
};
absl::StatusOr<Asked> AskShortAnswers(VlmModel& model, const EvalInputs& in,
                                      const std::string& prompt_template);

// The per-example record every evaluator writes: key, id (the VQA question id, else the image
// id, else the key), question_id / image_id when known, prompt, prediction, score, image.
nlohmann::json ExampleRecord(const Sample& sample, const std::string& prompt,
                             const std::string& prediction, double score);

// Adds "<prefix>/<group>" metrics (mean with CI) for the scores of each group.
void AddGroupMetrics(const std::string& prefix, const std::vector<double>& scores,
                     const std::vector<std::string>& groups, const metrics::BootstrapOptions& b,
                     EvalOutput* out);

}  // namespace vlmlab

#endif  // VLMLAB_PLUGINS_EVALUATORS_EVALUATOR_SUPPORT_H_
