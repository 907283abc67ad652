// Flags shared by the `vlmlab` subcommands (defined in cli_flags.cc).
//
//   vlmlab validate experiments/a.textproto --plugin_lib=libtoy.so model.llm.llama.layers=8
#ifndef VLMLAB_PLATFORM_CLI_CLI_FLAGS_H_
#define VLMLAB_PLATFORM_CLI_CLI_FLAGS_H_

#include <string>
#include <vector>

#include "absl/flags/declare.h"

ABSL_DECLARE_FLAG(std::vector<std::string>, plugin_lib);
ABSL_DECLARE_FLAG(std::string, merge);
ABSL_DECLARE_FLAG(std::vector<std::string>, clear);
ABSL_DECLARE_FLAG(std::string, kind);
ABSL_DECLARE_FLAG(bool, json);
ABSL_DECLARE_FLAG(bool, markdown);
ABSL_DECLARE_FLAG(bool, canonical);
ABSL_DECLARE_FLAG(std::string, store);
ABSL_DECLARE_FLAG(int32_t, threads);
ABSL_DECLARE_FLAG(bool, resume);
ABSL_DECLARE_FLAG(bool, take_over);
ABSL_DECLARE_FLAG(std::string, run_id);
ABSL_DECLARE_FLAG(std::string, sweep_id);
ABSL_DECLARE_FLAG(std::string, variant);
ABSL_DECLARE_FLAG(std::string, output_dir);

#endif  // VLMLAB_PLATFORM_CLI_CLI_FLAGS_H_
