// Loads experiment and sweep files: reads, parses (errors as file:line:column), follows
// `base:` inheritance (missing and cyclic bases are errors naming the chain) and applies
// command-line overrides. Validation is separate (spec_validator.h).
//
//   absl::StatusOr<LoadedExperiment> exp =
//       LoadExperimentFile("experiments/idefics2_small.textproto", {"seed=3"});
//   absl::StatusOr<LoadedSweep> sweep =
//   LoadSweepFile("experiments/sweeps/projector.sweep.textproto");
#ifndef VLMLAB_PLATFORM_SPEC_SPEC_LOADER_H_
#define VLMLAB_PLATFORM_SPEC_SPEC_LOADER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/spec/experiment.pb.h"
#include "platform/spec/spec_sources.h"
#include "platform/spec/sweep.pb.h"

namespace vlmlab {

struct LoadedExperiment {
  Experiment experiment;  // base chain merged, `base` cleared, overrides applied
  SpecSources sources;    // the files it came from, most derived first
};

struct LoadedSweep {
  Sweep sweep;  // as written (base_experiment, if inline, as written too)
  std::string path;
  SpecSources sources;    // the sweep file, for locating errors in the sweep itself
  LoadedExperiment base;  // the resolved base experiment
};

// Reads a whole file; errors name the path and the OS's reason.
// Spec files larger than this are refused (a real one is a few KiB).
inline constexpr uintmax_t kMaxSpecFileBytes = uintmax_t{16} << 20;
absl::StatusOr<std::string> ReadSpecFile(const std::string& path);

absl::StatusOr<LoadedExperiment> LoadExperimentFile(const std::string& path,
                                                    const std::vector<std::string>& overrides = {});

absl::StatusOr<LoadedSweep> LoadSweepFile(const std::string& path);

// Resolves an experiment message that came from `source_path` (its `base` is relative to that
// file's directory) and records it in the result's sources under `file` (already holding the
// root message and locations).
absl::StatusOr<LoadedExperiment> ResolveExperiment(const Experiment& parsed, SpecFile file);

// True when the file is a sweep: its header says `# proto-message: vlmlab.Sweep` (or `Sweep`),
// or its name ends in .sweep.textproto / .sweep.txtpb.
bool IsSweepFile(const std::string& path, const std::string& text);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_SPEC_SPEC_LOADER_H_
