#include "platform/cli/cli_flags.h"

#include "absl/flags/flag.h"

ABSL_FLAG(std::vector<std::string>, plugin_lib, {},
          "Comma-separated plugin shared libraries to load before anything else");
ABSL_FLAG(std::string, merge, "",
          "A text-format Experiment fragment merged over each experiment, after the field=value "
          "overrides");
ABSL_FLAG(std::vector<std::string>, clear, {},
          "Field paths cleared (or list elements removed) before the field=value overrides");
ABSL_FLAG(std::string, kind, "", "plugins: list only this kind (encoder, projector, ...)");
ABSL_FLAG(bool, json, false, "Print machine-readable JSON");
ABSL_FLAG(bool, markdown, false, "plugins: print the options reference as Markdown");
ABSL_FLAG(bool, canonical, false, "validate: print each experiment's canonical form");
// Shared by run, sweep, report, eval and serve.
ABSL_FLAG(std::string, store, "",
          "Results store: an SQLite file path or a postgresql:// URL (default: the spec's "
          "runtime.store, or runs/vlmlab.sqlite)");
ABSL_FLAG(int32_t, threads, -1, "CPU threads per run (-1: the spec's runtime.threads)");
ABSL_FLAG(bool, resume, false, "run: continue from the run directory's last checkpoint");
ABSL_FLAG(bool, take_over, false,
          "run: take over a run the store marks running by a worker on another host that is "
          "gone (a dead worker on this host is detected without it)");
ABSL_FLAG(std::string, run_id, "", "run: the run's id (default: <spec hash>-s<seed>)");
ABSL_FLAG(std::string, sweep_id, "", "run: the sweep the run belongs to");
ABSL_FLAG(std::string, variant, "", "run: the sweep variant's name");
ABSL_FLAG(std::string, output_dir, "", "run: where run directories go (default: runtime.output_dir)");
