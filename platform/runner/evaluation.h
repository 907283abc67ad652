// The evaluation part of a run, shared by `vlmlab run` (after training) and `vlmlab eval` (a
// trained run on its own, platform/runner/evaluate_checkpoint.h): runs the experiment's
// evaluators on a model, writes per-example predictions and the official result files, and
// records metrics, predictions and prompt-template hashes in the store under the run.
//
//   EvaluationOptions o;
//   o.run_id = "3fa2c1d0e4b5a697-s0";                  // must exist in the store
//   o.predictions_dir = run_dir + "/predictions";
//   o.metrics_path = run_dir + "/metrics.json";
//   VLMLAB_RETURN_IF_ERROR(CheckEvaluators(exp, o.evaluators, GlobalRegistries()));  // up front
//   VLMLAB_ASSIGN_OR_RETURN(std::vector<EvaluatorResult> results,
//                           EvaluateModel(exp, model, GlobalRegistries(), *db, o));
//
// Files, per evaluator NAME under predictions_dir: NAME.jsonl (one JSON object per example:
// key, id, prompt, question, prediction, references, score, prompt_template_sha256, ...), and
// the official results format where the benchmark has one: NAME.vqav2_results.json
// (`[{"question_id", "answer"}]`, vqa_accuracy) and NAME.coco_results.json
// (`[{"image_id", "caption"}]`, caption), one entry per question / image, readable by
// `vlmlab score`. metrics.json maps each evaluator to its metrics ({value, ci_low, ci_high, n})
// and "prompt_template_sha256"; entries of evaluators not run are kept.
//
// Store: metrics and predictions rows under (run_id, NAME) replace earlier ones; the run's
// fields gain `evaluators[NAME].prompt_template_sha256` (docs/metrics.md).
#ifndef VLMLAB_PLATFORM_RUNNER_EVALUATION_H_
#define VLMLAB_PLATFORM_RUNNER_EVALUATION_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "platform/model/vlm_model.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/plugin_api/registry.h"
#include "platform/spec/experiment.pb.h"
#include "platform/store/store.h"

namespace vlmlab::runner {

struct EvaluationOptions {
  std::string run_id;                   // the run the results belong to (must exist in the store)
  std::vector<std::string> evaluators;  // names to run (in the experiment's order); empty = all
  std::string predictions_dir;          // per-example JSONL and official result files
  std::string metrics_path;             // metrics.json to write; "" = none
  // Progress of each evaluator's model work (runner::CountProgress on stderr): rewritten in
  // place on a terminal, a line per tenth otherwise.
  bool interactive = false;
};

struct EvaluatorResult {
  std::string name;    // the evaluator's name in the experiment
  std::string plugin;  // "vqa_accuracy", "caption", ...
  std::map<std::string, MetricValue> metrics;
  int64_t examples = 0;
  std::string prompt_template;         // as the evaluator used it ("" = the samples' own)
  std::string prompt_template_sha256;  // PromptTemplateHash of it; "" when it is empty
  std::string predictions_path;        // <predictions_dir>/<name>.jsonl
  std::string official_results_path;   // "" when the evaluator has no official format
};

// Checks, before anything is trained or loaded, that `names` (empty = all) are evaluators of
// `exp` (an unknown one is an error listing them), that their plugins are registered, that the
// mixtures they name exist, that shots > 0 comes with shots_data, and that self_attention
// fusion allows shots + 1 images per sample.
absl::Status CheckEvaluators(const Experiment& exp, const std::vector<std::string>& names,
                             const PluginRegistries& registries);

// Runs the evaluators (CheckEvaluators first) on `model` in eval mode and records them.
absl::StatusOr<std::vector<EvaluatorResult>> EvaluateModel(const Experiment& exp, VlmModel& model,
                                                           const PluginRegistries& registries,
                                                           store::Store& db,
                                                           const EvaluationOptions& options);

// The first 16 hex digits of the SHA-256 of `prompt_template` ("" for an empty template).
std::string PromptTemplateHash(absl::string_view prompt_template);

}  // namespace vlmlab::runner

#endif  // VLMLAB_PLATFORM_RUNNER_EVALUATION_H_
