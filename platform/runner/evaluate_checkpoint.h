// `vlmlab eval`: a trained model evaluated on its own. The target is a run directory (the
// model is rebuilt from the spec.textproto `vlmlab run` saved there), its checkpoints/
// directory, one ckpt-* directory, a .safetensors file (with an experiment), or the id of a
// run in the store (its spec text is there; its directory is <runtime.output_dir>/<id>). The
// latest checkpoint's weights are loaded (platform/eval/trained_model.h), the chosen
// evaluators run through the runner's evaluation (platform/runner/evaluation.h: JSONL
// predictions, official result files, metrics.json) and the metrics are recorded in the store
// under the run.
//
//   EvalCheckpointRequest r;
//   r.target = "runs/3fa2c1d0e4b5a697-s0";
//   r.evaluators = {"vqa"};
//   r.overrides = {"evaluators[vqa].shots=2"};
//   VLMLAB_ASSIGN_OR_RETURN(EvalCheckpointOutcome o, EvaluateCheckpoint(r, GlobalRegistries()));
//
// Store: results go under the run id (the run directory's name, the id given, or --run_id);
// a run the store does not know yet is added from the spec and marked completed once the
// evaluation succeeds. Rows of the same evaluator name replace earlier ones.
#ifndef VLMLAB_PLATFORM_RUNNER_EVALUATE_CHECKPOINT_H_
#define VLMLAB_PLATFORM_RUNNER_EVALUATE_CHECKPOINT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/plugin_api/registry.h"
#include "platform/runner/evaluation.h"
#include "platform/spec/experiment.pb.h"

namespace vlmlab::eval {

struct EvalCheckpointRequest {
  std::string target;                  // run directory, checkpoint(s), .safetensors or run id
  std::string experiment_path;         // the spec to use instead of the run's saved one
  std::vector<std::string> overrides;  // field.path=value, applied to the spec
  std::vector<std::string> evaluators;  // names; empty = all of the spec's
  std::string store_url;               // "" = the spec's runtime.store
  std::string predictions_dir;         // "" = <run directory>/predictions
  std::string run_id;                  // "" = the run's own id
  int threads = -1;                    // -1 = runtime.threads (0 = all cores)
  bool interactive = false;            // progress rewritten in place (a terminal)
};

struct EvalCheckpointOutcome {
  std::string run_id;
  std::string run_dir;          // "" when the target has none
  std::string checkpoint;       // the ckpt-* directory or file loaded
  std::string predictions_dir;
  std::string metrics_path;
  Experiment experiment;        // the spec evaluated with (overrides applied)
  std::vector<runner::EvaluatorResult> results;
};

absl::StatusOr<EvalCheckpointOutcome> EvaluateCheckpoint(const EvalCheckpointRequest& request,
                                                         const PluginRegistries& registries);

}  // namespace vlmlab::eval

#endif  // VLMLAB_PLATFORM_RUNNER_EVALUATE_CHECKPOINT_H_
