// `vlmlab tokenizer train`: runs a tokenizer plugin's registered trainer (--trainer, default
// `bpe`: a byte-level BPE tokenizer.json; platform/plugin_api/tokenizer_trainer.h) on the texts
// of an experiment's data mixture or of a text file, then loads the file through the plugin of
// the same name and prints its size and how much it shortens the texts.
//
//   vlmlab tokenizer train --out tokenizer.json --vocab_size 2048 [--min_frequency 2]
//       [--add_prefix_space] experiments/quickstart.textproto --data caption_vqa
//       [--max_texts 100000] [overrides]
//   vlmlab tokenizer train --out tokenizer.json --vocab_size 2048 --text_file corpus.txt
//
// From a mixture: its components are opened through the same dataset plugins a run opens
// (platform/runner/data_setup.h) and drawn from as in evaluation: interleaved by weight, each
// read once in order (no shuffling, no cycling). Each sample gives its
// turns' texts, its reference captions and a preference pair's rejected answer, once each, with
// the image placeholder "<image>" removed (texts left empty are dropped).
// Samples are materialised on --threads threads (images included: the readers decode them).
#include <algorithm>
#include <fstream>
#include <iostream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "platform/cli/cli_flags.h"
#include "platform/cli/commands.h"
#include "platform/data/mixture.h"
#include "platform/plugin_api/registry.h"
#include "platform/plugin_api/tokenizer.h"
#include "platform/plugin_api/tokenizer_trainer.h"
#include "platform/registry/global_registries.h"
#include "platform/runner/data_setup.h"

ABSL_FLAG(int32_t, vocab_size, 0,
          "tokenizer train: tokens in all: special tokens, 256 bytes and merged tokens");
ABSL_FLAG(int64_t, min_frequency, 2, "tokenizer train: fewest occurrences of a pair to merge it");
ABSL_FLAG(bool, add_prefix_space, false,
          "tokenizer train: encode each text with a leading space, so a word is one token at the "
          "start of a turn and inside it");
ABSL_FLAG(std::string, data, "", "tokenizer train: the experiment's data mixture to read");
ABSL_FLAG(int64_t, max_texts, 100000, "tokenizer train: most texts to read (0: all)");
ABSL_FLAG(std::string, text_file, "", "tokenizer train: train on this file, one text per line");
ABSL_FLAG(std::vector<std::string>, special_tokens, {},
          "tokenizer train: special tokens (default: those the tokenizer plugin's options name)");
ABSL_FLAG(std::string, trainer, "bpe",
          "tokenizer train: the tokenizer plugin whose trainer runs (it loads the file written)");
ABSL_DECLARE_FLAG(std::string, out);

namespace vlmlab {
namespace {

constexpr char kUsage[] =
    "usage: vlmlab tokenizer train --out tokenizer.json --vocab_size N [--trainer bpe] "
    "[--min_frequency K] "
    "[--add_prefix_space] [--special_tokens a,b] (EXPERIMENT --data MIXTURE [--max_texts M] "
    "[field.path=value ...] | --text_file FILE)";

int UsageError(absl::string_view message) {
  std::cerr << "vlmlab: error: " << message << "\n" << kUsage << "\n";
  return 2;
}

// The texts of one sample, each once, without image placeholders (structure, not language).
void SampleTexts(const Sample& s, std::vector<std::string>& out) {
  std::vector<std::string> texts;
  auto add = [&texts](const std::string& text) {
    std::string t = absl::StrReplaceAll(text, {{kImagePlaceholder, ""}});
    if (!t.empty() && std::find(texts.begin(), texts.end(), t) == texts.end()) {
      texts.push_back(std::move(t));
    }
  };
  for (const Turn& turn : s.turns) add(turn.text);
  for (const std::string& caption : s.captions) add(caption);
  if (s.preference) add(s.preference->rejected);
  for (std::string& t : texts) out.push_back(std::move(t));
}

// Up to `max_texts` texts (0: all) of mixture `name`, read once in order.
absl::StatusOr<std::vector<std::string>> MixtureTexts(const Experiment& exp,
                                                      const std::string& name, int64_t max_texts,
                                                      int threads, int64_t& skipped) {
  DatasetOpenOptions open;
  open.seed = exp.seed();
  open.shuffle = false;
  absl::StatusOr<std::unique_ptr<data::Mixture>> mixture =
      runner::OpenMixture(exp, name, GlobalRegistries(), open, /*cycle=*/false);
  if (!mixture.ok()) return mixture.status();
  std::vector<std::string> texts;
  std::vector<data::SampleTask> tasks;
  std::vector<absl::StatusOr<Sample>> samples;
  bool done = false;
  while (!done && (max_texts == 0 || static_cast<int64_t>(texts.size()) < max_texts)) {
    tasks.clear();
    while (tasks.size() < 64u * threads) {
      absl::StatusOr<std::optional<data::Mixture::Draw>> draw = (*mixture)->Next();
      if (!draw.ok()) return draw.status();
      if (!draw->has_value()) {
        done = true;
        break;
      }
      tasks.push_back(std::move((*draw)->task));
    }
    samples.assign(tasks.size(), absl::UnknownError("not materialised"));
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (size_t i = t; i < tasks.size(); i += threads) samples[i] = tasks[i]();
      });
    }
    for (std::thread& w : workers) w.join();
    for (absl::StatusOr<Sample>& s : samples) {  // in draw order, whatever the threads did
      if (!s.ok()) {
        std::cerr << "vlmlab: warning: skipping a sample: " << s.status().message() << "\n";
        ++skipped;
        continue;
      }
      SampleTexts(*s, texts);
    }
  }
  if (max_texts > 0 && static_cast<int64_t>(texts.size()) > max_texts) texts.resize(max_texts);
  return texts;
}

absl::StatusOr<std::vector<std::string>> FileTexts(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    return absl::NotFoundError(absl::StrCat("--text_file: cannot read '", path, "'"));
  }
  std::vector<std::string> texts;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) texts.push_back(std::move(line));
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat("--text_file: error reading '", path, "'"));
  return texts;
}

int RunTrain(const std::vector<std::string>& args) {
  std::vector<std::string> files, overrides;
  SplitArgs(args, &files, &overrides);
  const std::string out = absl::GetFlag(FLAGS_out);
  const std::string text_file = absl::GetFlag(FLAGS_text_file);
  const std::string mixture = absl::GetFlag(FLAGS_data);
  if (out.empty()) return UsageError("tokenizer train needs --out FILE");
  if (absl::GetFlag(FLAGS_vocab_size) <= 0)
    return UsageError("tokenizer train needs --vocab_size N");
  if (text_file.empty() == files.empty()) {
    return UsageError("tokenizer train reads either an experiment (with --data) or --text_file");
  }
  if (!files.empty() && (files.size() != 1 || mixture.empty())) {
    return UsageError("tokenizer train reads one experiment file and needs --data MIXTURE");
  }
  if (!text_file.empty() && (!mixture.empty() || !overrides.empty())) {
    return UsageError("--data and overrides go with an experiment file, not --text_file");
  }
  if (absl::GetFlag(FLAGS_max_texts) < 0) return UsageError("--max_texts must be 0 (all) or more");

  const std::string trainer_name = absl::GetFlag(FLAGS_trainer);
  PluginRegistries& registries = GlobalRegistries();
  const TokenizerTrainerEntry* entry = registries.tokenizer_trainers().Find(trainer_name);
  if (entry == nullptr) {
    return UsageError(absl::StrCat("--trainer=", trainer_name, ": no tokenizer trainer of that "
                                   "name; trainers: ",
                                   absl::StrJoin(registries.tokenizer_trainers().Names(), ", ")));
  }
  TokenizerTrainerOptions options;
  options.vocab_size = absl::GetFlag(FLAGS_vocab_size);
  options.min_frequency = absl::GetFlag(FLAGS_min_frequency);
  options.add_prefix_space = absl::GetFlag(FLAGS_add_prefix_space);
  options.special_tokens = absl::GetFlag(FLAGS_special_tokens);
  absl::StatusOr<std::unique_ptr<TokenizerTrainer>> trainer = entry->create(options);
  if (!trainer.ok()) {
    PrintError(trainer.status());
    return 2;
  }

  absl::StatusOr<std::vector<std::string>> texts;
  std::string from;
  int64_t skipped = 0;
  if (!text_file.empty()) {
    texts = FileTexts(text_file);
    from = text_file;
  } else {
    absl::StatusOr<LoadedExperiment> loaded = LoadExperimentWithFlags(files[0], overrides);
    if (!loaded.ok()) {
      PrintError(loaded.status());
      return 1;
    }
    int threads = absl::GetFlag(FLAGS_threads);
    if (threads <= 0) threads = std::max(1u, std::thread::hardware_concurrency());
    texts =
        MixtureTexts(loaded->experiment, mixture, absl::GetFlag(FLAGS_max_texts), threads, skipped);
    from = absl::StrCat("data[", mixture, "] of ", files[0]);
  }
  if (!texts.ok()) {
    PrintError(texts.status());
    return 1;
  }
  int64_t bytes = 0;
  for (const std::string& t : *texts) {
    (*trainer)->Add(t);
    bytes += t.size();
  }
  std::cout << absl::StrFormat("read %d texts (%d bytes) from %s", texts->size(), bytes, from);
  if (skipped > 0) std::cout << absl::StrFormat(" (%d samples skipped)", skipped);
  std::cout << "\n";

  absl::StatusOr<TrainedTokenizer> trained = (*trainer)->TrainAndWrite(out);
  if (!trained.ok()) {
    PrintError(trained.status());
    return 1;
  }
  const int64_t merged_tokens = trained->vocab_size - trained->num_special - trained->base_tokens;
  std::cout << absl::StrFormat(
      "wrote %s: vocab size %d (%d special, %d bytes, %d merged), %d merges\n", out,
      trained->vocab_size, trained->num_special, trained->base_tokens, merged_tokens,
      trained->merges);
  if (trained->vocab_size < options.vocab_size) {
    std::cout << absl::StrFormat(
        "  stopped below --vocab_size %d: no adjacent pair of tokens left that occurs at least "
        "--min_frequency=%d times\n",
        options.vocab_size, options.min_frequency);
  }

  // Load the file as a run would, through the tokenizer plugin of the same name, and measure
  // it on the texts.
  const PluginEntry<Tokenizer>* loader = registries.Get<Tokenizer>().Find(trainer_name);
  if (loader == nullptr) {
    PrintError(absl::NotFoundError(absl::StrCat(
        "tokenizer trainer '", trainer_name, "' has no tokenizer plugin of its name to load ", out)));
    return 1;
  }
  BuildContext context;
  context.registries = &registries;
  absl::StatusOr<std::unique_ptr<Tokenizer>> tokenizer =
      loader->create(*trained->load_options, context);
  if (!tokenizer.ok()) {
    PrintError(tokenizer.status());
    return 1;
  }
  int64_t tokens = 0;
  for (const std::string& t : *texts) tokens += (*tokenizer)->Encode(t).size();
  const double n = std::max<double>(1, texts->size());
  std::cout << absl::StrFormat("mean per text: %.2f tokens vs %.2f bytes (%.2f bytes per token)\n",
                               tokens / n, bytes / n, tokens > 0 ? bytes / double(tokens) : 0.0);
  return 0;
}

}  // namespace

int RunTokenizer(const std::vector<std::string>& args) {
  const std::vector<std::string> rest(args.empty() ? args.end() : args.begin() + 1, args.end());
  if (!args.empty() && args[0] == "train") return RunTrain(rest);
  if (!args.empty() && args[0] == "encode") return RunTokenizerEncode(rest);
  if (!args.empty() && args[0] == "decode") return RunTokenizerDecode(rest);
  return UsageError("tokenizer takes one subcommand: train, encode or decode");
}

}  // namespace vlmlab
