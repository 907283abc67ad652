// `vlmlab eval CHECKPOINT_OR_RUN [--evaluators a,b] [--experiment X.textproto] [--store URL]
// [--predictions_dir DIR] [--run_id ID] [--threads N] [field.path=value ...]`: evaluates a
// trained model on its own (platform/runner/evaluate_checkpoint.h) and prints its metrics and
// the files written.
#include <unistd.h>

#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "platform/cli/cli_flags.h"
#include "platform/cli/commands.h"
#include "platform/registry/global_registries.h"
#include "platform/runner/evaluate_checkpoint.h"

ABSL_FLAG(std::vector<std::string>, evaluators, {},
          "eval: the evaluators to run, by name in the experiment (default: all)");
ABSL_FLAG(std::string, experiment, "",
          "eval: the experiment to rebuild the model from (default: the spec.textproto saved in "
          "the run directory, or the run's spec in the store)");
ABSL_FLAG(std::string, predictions_dir, "",
          "eval: where predictions, official result files and metrics.json go (default: the "
          "run directory)");

namespace vlmlab {
namespace {

constexpr char kEvalUsage[] =
    "usage: vlmlab eval RUN_DIR|CHECKPOINT|RUN_ID [--evaluators a,b] [--experiment FILE] "
    "[--store URL] [--predictions_dir DIR] [--run_id ID] [--threads N] [field.path=value ...]";

}  // namespace

int RunEval(const std::vector<std::string>& args) {
  std::vector<std::string> targets, overrides;
  SplitArgs(args, &targets, &overrides);
  if (targets.size() != 1) {
    std::cerr << "vlmlab: error: eval needs one run directory, checkpoint or run id\n"
              << kEvalUsage << "\n";
    return 2;
  }
  eval::EvalCheckpointRequest r;
  r.target = targets[0];
  r.overrides = overrides;
  r.experiment_path = absl::GetFlag(FLAGS_experiment);
  r.evaluators = absl::GetFlag(FLAGS_evaluators);
  r.store_url = absl::GetFlag(FLAGS_store);
  r.predictions_dir = absl::GetFlag(FLAGS_predictions_dir);
  r.run_id = absl::GetFlag(FLAGS_run_id);
  r.threads = absl::GetFlag(FLAGS_threads);
  r.interactive = isatty(STDERR_FILENO) != 0;
  absl::StatusOr<eval::EvalCheckpointOutcome> out = eval::EvaluateCheckpoint(r, GlobalRegistries());
  if (!out.ok()) {
    PrintError(out.status());
    return 1;
  }
  std::cout << "run " << out->run_id << ": evaluated " << out->checkpoint << "\n";
  for (const runner::EvaluatorResult& e : out->results) {
    std::cout << e.name << " (" << e.plugin << ", " << e.examples << " examples"
              << (e.prompt_template_sha256.empty()
                      ? std::string()
                      : ", prompt template " + e.prompt_template_sha256)
              << ")\n";
    for (const auto& [key, m] : e.metrics) {
      std::cout << absl::StrFormat("  %-40s %8.4f  [%.4f, %.4f]  n=%d\n", key, m.value, m.ci_low,
                                   m.ci_high, m.n);
    }
    std::cout << "  predictions: " << e.predictions_path << "\n";
    if (!e.official_results_path.empty()) {
      std::cout << "  official results: " << e.official_results_path << "\n";
    }
  }
  std::cout << "metrics: " << out->metrics_path << "\n";
  return 0;
}

}  // namespace vlmlab
