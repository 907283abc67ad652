// `vlmlab run EXPERIMENT [field.path=value ...] [--resume] [--take_over] [--run_id ID]
// [--store URL] [--threads N] [--output_dir DIR] [--sweep_id S --variant NAME]`: trains and
// evaluates one experiment (platform/runner/run_experiment.h) and prints its metrics.
#include <unistd.h>

#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "platform/cli/cli_flags.h"
#include "platform/cli/commands.h"
#include "platform/registry/global_registries.h"
#include "platform/runner/run_experiment.h"
#include "platform/spec/spec_loader.h"
#include "platform/spec/spec_validator.h"

namespace vlmlab {

int RunRun(const std::vector<std::string>& args) {
  std::vector<std::string> files, overrides;
  SplitArgs(args, &files, &overrides);
  if (files.size() != 1) {
    std::cerr << "vlmlab: error: run needs one experiment file: vlmlab run EXPERIMENT "
                 "[field.path=value ...] [--resume]\n";
    return 2;
  }
  if (absl::StatusOr<std::string> text = ReadSpecFile(files[0]);
      text.ok() && IsSweepFile(files[0], *text)) {
    std::cerr << "vlmlab: error: " << files[0] << " is a sweep; run its runs with `vlmlab sweep "
              << files[0] << "` (or run one of them: `vlmlab expand` lists their overrides)\n";
    return 2;
  }
  absl::StatusOr<LoadedExperiment> loaded = LoadExperimentWithFlags(files[0], overrides);
  if (!loaded.ok()) {
    PrintError(loaded.status());
    return 1;
  }
  if (absl::Status valid = ValidateExperiment(*loaded, GlobalRegistries()); !valid.ok()) {
    PrintError(valid);
    return 1;
  }
  runner::RunOptions o;
  o.run_id = absl::GetFlag(FLAGS_run_id);
  if (!absl::GetFlag(FLAGS_sweep_id).empty()) o.sweep_id = absl::GetFlag(FLAGS_sweep_id);
  o.variant = absl::GetFlag(FLAGS_variant);
  o.store_url = absl::GetFlag(FLAGS_store);
  o.output_dir = absl::GetFlag(FLAGS_output_dir);
  o.threads = absl::GetFlag(FLAGS_threads);
  o.resume = absl::GetFlag(FLAGS_resume);
  o.take_over = absl::GetFlag(FLAGS_take_over);
  o.interactive = isatty(STDERR_FILENO) != 0;
  absl::StatusOr<runner::RunOutcome> outcome =
      runner::RunExperiment(loaded->experiment, o, GlobalRegistries());
  if (!outcome.ok()) {
    PrintError(outcome.status());
    return 1;
  }
  if (outcome->skipped) {
    std::cout << "run " << outcome->run_id << " is already completed in the store; skipped\n";
  }
  std::cout << "run " << outcome->run_id << " (" << outcome->run_dir << ")\n";
  for (const auto& [key, m] : outcome->metrics) {
    std::cout << absl::StrFormat("  %-40s %8.4f  [%.4f, %.4f]  n=%d\n", key, m.value, m.ci_low,
                                 m.ci_high, m.n);
  }
  return 0;
}

}  // namespace vlmlab
