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
