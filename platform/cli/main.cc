// The `vlmlab` command line: one binary, one subcommand per task.
//
//   vlmlab plugins [--kind=encoder] [--json]
//   vlmlab validate FILE... [field.path=value ...] [--clear=PATH] [--merge=TEXT] [--canonical]
//   vlmlab diff A B
//   vlmlab expand SWEEP [--json]
//   vlmlab kernels [--json]
//   vlmlab sweep SWEEP [--workers N] [--store URL] [--threads T] [--limit K] [--dry_run]
//   vlmlab report SWEEP|RUN_ID... [--format text|markdown|csv|latex] [--baseline V] [--out F]
//   vlmlab run EXPERIMENT [field.path=value ...] [--resume] [--store URL] [--threads N]
//   vlmlab eval RUN_DIR|CHECKPOINT|RUN_ID [--evaluators a,b] [--experiment X] [field=value ...]
//   vlmlab score --evaluator vqa_accuracy --annotations A --results R [--json] [--bootstrap N]
//   vlmlab data synth --out DIR [--split val] [--num_images N] [--tasks vqa,caption] ...
//   vlmlab serve [--store URL] [--host H] [--port P] [--token T] [--image_root DIR]
//   vlmlab tokenizer train --out F --vocab_size N (EXPERIMENT --data MIXTURE | --text_file F)
//   (any command) --plugin_lib=libfoo.so[,libbar.so]
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "glog/logging.h"
#include "kernels/cpu/threads.h"
#include "platform/cli/cli_flags.h"
#include "platform/cli/commands.h"
#include "platform/registry/global_registries.h"
#include "platform/registry/plugin_loader.h"

namespace {

constexpr char kUsage[] = R"(vlmlab: a research platform for vision-language models

usage: vlmlab COMMAND [ARGS] [--flags]

commands:
  plugins              list registered plugins and their options (--kind=K, --json,
                       --markdown)
  validate FILE...     check experiment and sweep files; field.path=value overrides,
                       --clear=PATH, --merge='text fragment', --canonical
  diff A B             semantic difference of two experiments (or two sweeps) by field path
  expand SWEEP         list a sweep's runs with names, seeds, hashes and overrides (--json)
  kernels              which compute backend runs each op, per device and dtype (--json)
  sweep SWEEP          run a sweep's runs not completed yet, --workers N at a time; --store,
                       --threads, --limit K, --status_every S, --output_dir, --dry_run
                       (docs/sweeps.md)
  report SWEEP         ablation table of a sweep (file, name or id) or of run ids: --format
                       text|markdown|csv|latex, --baseline V, --metrics, --out FILE, --store
  run EXPERIMENT       train and evaluate one experiment; field.path=value overrides,
                       --resume, --take_over, --run_id, --store, --threads, --output_dir
  eval RUN             evaluate a trained run (directory, checkpoint or run id) on its own:
                       --evaluators a,b, --experiment, --store, --predictions_dir, --run_id,
                       field.path=value overrides (docs/metrics.md)
  score                score results against gold files: --evaluator (vqa_accuracy, caption,
                       anls, exact_match, pope, mcq), --annotations, --results, --questions,
                       --json, --bootstrap N, --seed S (docs/metrics.md)
  data synth           write a split of the synthetic world: --out DIR, --split, --num_images,
                       --image_size, --tasks, --seed, --shard_size (docs/data.md)
  serve                the dashboard over the results store: --store, --host (127.0.0.1),
                       --port (8080), --token or $VLMLAB_DASHBOARD_TOKEN, --image_root
                       (docs/dashboard.md)
  tokenizer train      train a byte-level BPE tokenizer.json: --out FILE, --vocab_size N,
                       --min_frequency K, --add_prefix_space, EXPERIMENT --data MIXTURE
                       [--max_texts M] or --text_file FILE, --special_tokens (docs/data.md)
  tokenizer encode     token ids of texts (arguments, or stdin lines) as JSON, encoded as
                       Hugging Face does: --tokenizer FILE|byte, --tokens, --ids,
                       --noadd_special_tokens (docs/tokenizers.md)
  tokenizer decode     text of token ids (arguments, or one list per stdin line): --tokenizer
                       FILE|byte

flags for every command:
  --plugin_lib=a.so,b.so   load out-of-tree plugins first

docs/spec.md describes experiment files; docs/architecture.md the design.
)";

// The usage lines of `command` (its entry and the indented lines that continue it; every
// `tokenizer ...` subcommand for "tokenizer"), or "" for an unknown command.
std::string CommandUsage(const std::string& command) {
  std::string out;
  bool in_entry = false;
  for (absl::string_view line : absl::StrSplit(kUsage, '\n')) {
    if (absl::StartsWith(line, "  ") && !absl::StartsWith(line, "   ")) {
      absl::string_view name = line.substr(2);
      in_entry = absl::StartsWith(name, command + " ") || name == command;
    } else if (!absl::StartsWith(line, "    ")) {
      in_entry = false;
    }
    if (in_entry) absl::StrAppend(&out, line, "\n");
  }
  return out;
}

// `--help` / `-h` anywhere: vlmlab's own usage, or the named command's, and exit status 0
// (absl's generic flag text is for `--helpfull`).
bool HelpRequested(int argc, char** argv, std::string* command) {
  bool help = false;
  for (int i = 1; i < argc; ++i) {
    const absl::string_view a = argv[i];
    if (a == "--help" || a == "-h" || a == "-help") {
      help = true;
    } else if (command->empty() && !absl::StartsWith(a, "-")) {
      *command = std::string(a);
    }
  }
  return help;
}

}  // namespace

int main(int argc, char** argv) {
  {
    std::string command;
    if (HelpRequested(argc, argv, &command)) {
      const std::string usage = command.empty() ? std::string() : CommandUsage(command);
      if (!command.empty() && usage.empty()) {
        std::cerr << "vlmlab: error: unknown command '" << command
                  << "'; run `vlmlab help` for the list\n";
        return 2;
      }
      std::cout << (usage.empty() ? std::string(kUsage)
                                  : absl::StrCat("usage of vlmlab ", command, ":\n", usage,
                                                 "\ndocs/spec.md describes experiment files.\n"));
      return 0;
    }
  }
  // OpenMP workers spin briefly between kernels, then sleep, unless the user chose otherwise
  // (OMP_WAIT_POLICY or GOMP_SPINCOUNT): re-executes once with GOMP_SPINCOUNT set
  // (kernels/cpu/threads.h).
  vlmlab::UseBriefOpenMpSpinByDefault();
  absl::SetProgramUsageMessage(kUsage);
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  FLAGS_logtostderr = true;
  google::InitGoogleLogging(argv[0]);
  if (positional.size() < 2 || std::string(positional[1]) == "help") {
    std::cout << kUsage;
    return positional.size() < 2 ? 2 : 0;
  }
  for (const std::string& lib : absl::GetFlag(FLAGS_plugin_lib)) {
    absl::Status loaded = vlmlab::LoadPluginLibrary(lib, vlmlab::GlobalRegistries());
    if (!loaded.ok()) {
      vlmlab::PrintError(loaded);
      return 1;
    }
  }
  std::string command = positional[1];
  std::vector<std::string> args(positional.begin() + 2, positional.end());
  const std::map<std::string, int (*)(const std::vector<std::string>&)> commands = {
      {"plugins", vlmlab::RunPlugins}, {"validate", vlmlab::RunValidate}, {"diff", vlmlab::RunDiff},
      {"expand", vlmlab::RunExpand},   {"kernels", vlmlab::RunKernels},
      {"sweep", vlmlab::RunSweep},
      {"report", vlmlab::RunReport},
      {"run", vlmlab::RunRun},
      {"eval", vlmlab::RunEval},
      {"data", vlmlab::RunData},
      {"score", vlmlab::RunScore},
      {"serve", vlmlab::RunServe},
      {"tokenizer", vlmlab::RunTokenizer},
  };
  auto it = commands.find(command);
  if (it == commands.end()) {
    std::cerr << "vlmlab: error: unknown command '" << command
              << "'; run `vlmlab help` for the list\n";
    return 2;
  }
  return it->second(args);
}
