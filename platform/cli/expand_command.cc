// `vlmlab expand SWEEP [--json]`: every run of a sweep: its name, seed, spec hash and the
// overrides that make it from the base.
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "platform/cli/cli_flags.h"
#include "platform/cli/commands.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/sweep_expander.h"

namespace vlmlab {

int RunExpand(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    std::cerr << "vlmlab: error: expand takes one sweep file: vlmlab expand SWEEP\n";
    return 2;
  }
  absl::StatusOr<LoadedSweep> sweep = LoadSweepFile(args[0]);
  if (!sweep.ok()) {
    PrintError(sweep.status());
    return 1;
  }
  absl::StatusOr<std::vector<SweepRun>> runs = ExpandSweep(*sweep, GlobalRegistries());
  if (!runs.ok()) {
    PrintError(runs.status());
    return 1;
  }
  if (absl::GetFlag(FLAGS_json)) {
    nlohmann::json out = nlohmann::json::array();
    for (const SweepRun& r : *runs) {
      out.push_back(
          {{"name", r.name}, {"seed", r.seed}, {"hash", r.hash}, {"overrides", r.overrides}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << "sweep '" << sweep->sweep.name() << "': " << runs->size() << " runs\n";
  for (const SweepRun& r : *runs) {
    std::cout << r.name << "\tseed " << r.seed << "\thash " << r.hash << "\t"
              << absl::StrJoin(r.overrides, "; ") << "\n";
  }
  return 0;
}

}  // namespace vlmlab
