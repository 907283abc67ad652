// Runs one experiment end to end: builds the model from the registries, trains its stages in
// order (trainability, optimizer, schedule, data mixture per stage; checkpoints; resumption),
// runs its evaluators, and records everything in the results store and the run directory.
// This is `vlmlab run`.
//
//   RunOptions o;
//   o.resume = true;
//   absl::StatusOr<RunOutcome> r = RunExperiment(loaded.experiment, o, GlobalRegistries());
//
// Run directory <output_dir>/<run_id>/: spec.textproto (canonical: what the hash covers),
// experiment.textproto (the whole resolved experiment, unhashed fields included: `vlmlab eval`
// rebuilds the run from it), checkpoints/ (see platform/train/checkpoint.h), stages/<name>/
// (stage-private state, e.g. the DPO reference), predictions/ (<evaluator>.jsonl and official
// result files) and metrics.json, written by the evaluation (platform/runner/evaluation.h),
// whose settings are checked before training starts.
//
// The store row of the run: upserted (definition and spec fields), claimed (a run that is
// completed is skipped; one another worker is running is an error), costs set after the model
// is built, scalars appended at every logging step, metrics and predictions after each
// evaluator, then completed — or failed with the error, keeping everything written before.
#ifndef VLMLAB_PLATFORM_RUNNER_RUN_EXPERIMENT_H_
#define VLMLAB_PLATFORM_RUNNER_RUN_EXPERIMENT_H_

#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/plugin_api/registry.h"
#include "platform/spec/experiment.pb.h"

namespace vlmlab::runner {

struct RunOptions {
  std::string run_id;                   // empty: "<spec hash>-s<seed>"
  std::optional<std::string> sweep_id;  // the sweep the run belongs to (must exist in the store)
  std::string variant;                  // the sweep variant's name
  std::string store_url;                // empty: runtime.store
  std::string output_dir;               // empty: runtime.output_dir
  int threads = -1;                     // -1: runtime.threads (0 = all cores)
  bool resume = false;     // continue from the run directory's last checkpoint
  // Take over a run the store marks running by a worker on another host (whose death cannot
  // be seen from here). A dead worker on this host is detected without it.
  bool take_over = false;
  bool interactive = false;  // progress as one line rewritten in place
};

struct RunOutcome {
  std::string run_id;
  std::string run_dir;
  bool skipped = false;  // already completed in the store
  // "<evaluator>/<metric>" -> value, e.g. "vqa/overall".
  std::map<std::string, MetricValue> metrics;
};

absl::StatusOr<RunOutcome> RunExperiment(const Experiment& experiment, const RunOptions& options,
                                         const PluginRegistries& registries);

}  // namespace vlmlab::runner

#endif  // VLMLAB_PLATFORM_RUNNER_RUN_EXPERIMENT_H_
