// Expands a sweep into its runs: every variant (the baseline included unless turned off),
// crossed with every point of the cartesian axes, repeated per seed.
//
//   absl::StatusOr<std::vector<SweepRun>> runs = ExpandSweep(loaded_sweep, GlobalRegistries());
//   for (const SweepRun& r : *runs) std::cout << r.name << " seed " << r.seed << " " << r.hash;
//
// A run's experiment is the base with, in order: the variant's `set` overrides, its `merge`
// fragment, then each axis's value or point, then `seed`. Every run is validated; two runs
// with the same spec are refused, as they would only repeat each other.
#ifndef VLMLAB_PLATFORM_SPEC_SWEEP_EXPANDER_H_
#define VLMLAB_PLATFORM_SPEC_SWEEP_EXPANDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/plugin_api/registry.h"
#include "platform/spec/experiment.pb.h"
#include "platform/spec/spec_loader.h"

namespace vlmlab {

struct SweepRun {
  std::string name;                    // variant, then /axis=value for each axis
  std::vector<std::string> overrides;  // what was applied to the base, in order
  uint64_t seed = 0;
  Experiment experiment;  // resolved, seed set
  std::string hash;       // SpecHash: identifies the configuration (not the seed)
};

// Larger sweeps are refused before anything is expanded.
inline constexpr int kMaxSweepRuns = 100000;

absl::StatusOr<std::vector<SweepRun>> ExpandSweep(const LoadedSweep& sweep,
                                                  const PluginRegistries& registries);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_SPEC_SWEEP_EXPANDER_H_
