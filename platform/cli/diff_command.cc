// `vlmlab diff A B`: the semantic difference of two experiments (each resolved through its
// base chain), or of two sweeps, by field path. Exit status as diff(1): 0 same, 1 different,
// 2 trouble.
#include <iostream>
#include <memory>

#include "platform/cli/commands.h"
#include "platform/spec/canonical.h"
#include "platform/spec/spec_diff.h"

namespace vlmlab {
namespace {

absl::StatusOr<std::unique_ptr<google::protobuf::Message>> LoadAny(const std::string& path,
                                                                   bool* is_sweep) {
  absl::StatusOr<std::string> text = ReadSpecFile(path);
  if (!text.ok()) return text.status();
  *is_sweep = IsSweepFile(path, *text);
  if (*is_sweep) {
    absl::StatusOr<LoadedSweep> sweep = LoadSweepFile(path);
    if (!sweep.ok()) return sweep.status();
    return std::make_unique<Sweep>(sweep->sweep);
  }
  absl::StatusOr<LoadedExperiment> exp = LoadExperimentFile(path);
  if (!exp.ok()) return exp.status();
  return std::make_unique<Experiment>(exp->experiment);
}

}  // namespace

int RunDiff(const std::vector<std::string>& args) {
  if (args.size() != 2) {
    std::cerr << "vlmlab: error: diff compares two files: vlmlab diff A B\n";
    return 2;
  }
  bool sweep_a = false, sweep_b = false;
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> a = LoadAny(args[0], &sweep_a);
  if (!a.ok()) {
    PrintError(a.status());
    return 2;
  }
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> b = LoadAny(args[1], &sweep_b);
  if (!b.ok()) {
    PrintError(b.status());
    return 2;
  }
  if (sweep_a != sweep_b) {
    std::cerr << "vlmlab: error: " << args[sweep_a ? 0 : 1] << " is a sweep and "
              << args[sweep_a ? 1 : 0] << " an experiment; diff compares two of a kind\n";
    return 2;
  }
  std::vector<SpecChange> changes = DiffSpecs(**a, **b);
  std::cout << "--- " << args[0] << " (hash " << SpecHash(**a) << ")\n"
            << "+++ " << args[1] << " (hash " << SpecHash(**b) << ")\n";
  if (changes.empty()) {
    std::cout << "no differences\n";
    return 0;
  }
  std::cout << FormatSpecDiff(changes);
  return 1;
}

}  // namespace vlmlab
