// Training a tokenizer file that a tokenizer plugin loads (`vlmlab tokenizer train`). A
// tokenizer plugin that can be trained registers a trainer under its own name, so the CLI
// trains and then loads the result through the registries without naming a concrete plugin.
//
//   // in the plugin library, at registration:
//   VLMLAB_RETURN_IF_ERROR(registries.tokenizer_trainers().Add(
//       {"bpe", "byte-level BPE, written as a Hugging Face tokenizer.json", registries.origin(),
//        [](const TokenizerTrainerOptions& o) { return NewBpeTrainer(o); }}));
//   // in a command:
//   const TokenizerTrainerEntry* e = registries.tokenizer_trainers().Find("bpe");
//   VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<TokenizerTrainer> t, e->create(options));
//   for (const std::string& text : texts) t->Add(text);
//   VLMLAB_ASSIGN_OR_RETURN(TrainedTokenizer done, t->TrainAndWrite("tokenizer.json"));
//   // done.load: the tokenizer slot's options that load the file, e.g. BpeTokenizerOptions
#ifndef VLMLAB_PLATFORM_PLUGIN_API_TOKENIZER_TRAINER_H_
#define VLMLAB_PLATFORM_PLUGIN_API_TOKENIZER_TRAINER_H_

#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace vlmlab {

struct TokenizerTrainerOptions {
  int32_t vocab_size = 0;     // every token: special tokens included
  int64_t min_frequency = 2;  // a pair (or piece) seen fewer times is never merged
  // Empty: the special tokens the plugin's options name by default.
  std::vector<std::string> special_tokens;
  bool add_prefix_space = false;  // count each text as if it began with a space
};

struct TrainedTokenizer {
  int32_t vocab_size = 0;
  int32_t num_special = 0;
  int32_t base_tokens = 0;    // the alphabet (256 bytes for byte-level BPE)
  int64_t merges = 0;         // learned merges (0 for models without merges)
  // The tokenizer plugin's options that load the written file with no special-token roles
  // assigned (its added tokens are still cut out of the text); owned by the trainer's result.
  std::shared_ptr<const google::protobuf::Message> load_options;
};

class TokenizerTrainer {
 public:
  virtual ~TokenizerTrainer() = default;
  // Counts one text (any bytes).
  virtual void Add(absl::string_view text) = 0;
  // Learns from everything added and writes the file atomically; errors name the path.
  virtual absl::StatusOr<TrainedTokenizer> TrainAndWrite(const std::string& path) = 0;
};

struct TokenizerTrainerEntry {
  std::string name;  // the tokenizer plugin that loads what it writes
  std::string description;
  std::string origin;  // "built-in" or the shared library it came from
  std::function<absl::StatusOr<std::unique_ptr<TokenizerTrainer>>(const TokenizerTrainerOptions&)>
      create;
};

class TokenizerTrainerRegistry {
 public:
  absl::Status Add(TokenizerTrainerEntry entry) {
    if (entry.name.empty() || !entry.create) {
      return absl::InvalidArgumentError(absl::StrCat(
          "a tokenizer trainer from ", entry.origin, " needs a name and a factory"));
    }
    auto it = entries_.find(entry.name);
    if (it != entries_.end()) {
      return absl::AlreadyExistsError(absl::StrCat("tokenizer trainer '", entry.name, "' from ",
                                                   entry.origin, " is already registered by ",
                                                   it->second.origin));
    }
    std::string name = entry.name;
    entries_.emplace(std::move(name), std::move(entry));
    return absl::OkStatus();
  }
  const TokenizerTrainerEntry* Find(absl::string_view name) const {
    auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
  }
  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const auto& [name, e] : entries_) names.push_back(name);
    return names;
  }
  void RemoveOrigin(const std::string& origin) {
    for (auto it = entries_.begin(); it != entries_.end();) {
      it = it->second.origin == origin ? entries_.erase(it) : std::next(it);
    }
  }

 private:
  std::map<std::string, TokenizerTrainerEntry, std::less<>> entries_;
};

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_PLUGIN_API_TOKENIZER_TRAINER_H_
