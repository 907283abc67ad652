// `vlmlab validate FILE... [field.path=value ...]`: loads and validates experiments and sweeps,
// printing every problem as file:line:column: field.path: reason. Overrides apply to
// experiments; a sweep is validated by expanding it and validating every run.
#include <iostream>

#include "absl/flags/flag.h"
#include "platform/cli/cli_flags.h"
#include "platform/cli/commands.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/canonical.h"
#include "platform/spec/model_summary.h"
#include "platform/spec/spec_validator.h"
#include "platform/spec/sweep_expander.h"

namespace vlmlab {
namespace {

absl::Status ValidateOne(const std::string& path, const std::vector<std::string>& overrides) {
  absl::StatusOr<std::string> text = ReadSpecFile(path);
  if (!text.ok()) return text.status();
  if (IsSweepFile(path, *text)) {
    if (!overrides.empty()) {
      return absl::InvalidArgumentError(
          path + " is a sweep; field=value overrides apply to experiments only");
    }
    absl::StatusOr<LoadedSweep> sweep = LoadSweepFile(path);
    if (!sweep.ok()) return sweep.status();
    absl::StatusOr<std::vector<SweepRun>> runs = ExpandSweep(*sweep, GlobalRegistries());
    if (!runs.ok()) return runs.status();
    std::cout << "OK " << path << ": sweep '" << sweep->sweep.name() << "', " << runs->size()
              << " runs\n";
    if (!sweep->sweep.description().empty()) {
      std::cout << "  description: " << sweep->sweep.description() << "\n";
    }
    return absl::OkStatus();
  }
  absl::StatusOr<LoadedExperiment> loaded = LoadExperimentWithFlags(path, overrides);
  if (!loaded.ok()) return loaded.status();
  absl::Status valid = ValidateExperiment(*loaded, GlobalRegistries());
  if (!valid.ok()) return valid;
  const Experiment& exp = loaded->experiment;
  std::string part;
  absl::StatusOr<ModelSummary> summary = SummarizeModel(
      exp.model(), GlobalRegistries(), BuildContext{exp.seed(), &GlobalRegistries()}, &part);
  std::cout << "OK " << path << ": experiment '" << exp.name() << "', hash " << SpecHash(exp)
            << "\n";
  if (!exp.description().empty()) std::cout << "  description: " << exp.description() << "\n";
  if (summary.ok()) std::cout << "  model: " << summary->ToString() << "\n";
  if (absl::GetFlag(FLAGS_canonical)) std::cout << CanonicalText(exp);
  return absl::OkStatus();
}

}  // namespace

int RunValidate(const std::vector<std::string>& args) {
  std::vector<std::string> files, overrides;
  SplitArgs(args, &files, &overrides);
  if (files.empty()) {
    std::cerr << "vlmlab: error: validate needs at least one file: vlmlab validate FILE...\n";
    return 2;
  }
  int failed = 0;
  for (const std::string& file : files) {
    absl::Status st = ValidateOne(file, overrides);
    if (!st.ok()) {
      PrintError(st);
      ++failed;
    }
  }
  if (failed > 0 && files.size() > 1) {
    std::cerr << "vlmlab: " << failed << " of " << files.size() << " files are invalid\n";
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace vlmlab
