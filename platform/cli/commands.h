// The `vlmlab` subcommands. Each takes the positional arguments after the command name and
// returns the process exit status: 0 success, 1 failure (reasons on stderr), 2 bad usage.
// `diff` follows diff(1): 0 same, 1 different, 2 trouble.
//
//   return RunValidate({"experiments/a.textproto", "seed=3"});
#ifndef VLMLAB_PLATFORM_CLI_COMMANDS_H_
#define VLMLAB_PLATFORM_CLI_COMMANDS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "platform/spec/spec_loader.h"

namespace vlmlab {

int RunPlugins(const std::vector<std::string>& args);
int RunValidate(const std::vector<std::string>& args);
int RunDiff(const std::vector<std::string>& args);
int RunExpand(const std::vector<std::string>& args);
int RunKernels(const std::vector<std::string>& args);
int RunSweep(const std::vector<std::string>& args);
int RunReport(const std::vector<std::string>& args);
int RunRun(const std::vector<std::string>& args);
int RunEval(const std::vector<std::string>& args);
int RunScore(const std::vector<std::string>& args);
int RunData(const std::vector<std::string>& args);
int RunServe(const std::vector<std::string>& args);
int RunTokenizer(const std::vector<std::string>& args);  // in :tokenizer_command
int RunTokenizerEncode(const std::vector<std::string>& args);
int RunTokenizerDecode(const std::vector<std::string>& args);

// Prints "vlmlab: error: <message>" (each line of a multi-line message) to stderr.
void PrintError(const absl::Status& status);

// Splits arguments into files and `field.path=value` overrides.
void SplitArgs(const std::vector<std::string>& args, std::vector<std::string>* files,
               std::vector<std::string>* overrides);

// Loads an experiment and applies, in order: --clear paths, `overrides`, the --merge fragment.
absl::StatusOr<LoadedExperiment> LoadExperimentWithFlags(const std::string& path,
                                                         const std::vector<std::string>& overrides);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_CLI_COMMANDS_H_
