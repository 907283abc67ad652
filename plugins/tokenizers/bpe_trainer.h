// Trains a byte-level BPE tokenizer on texts and writes it as a Hugging Face tokenizer.json that
// the `bpe` tokenizer plugin (bpe_tokenizer.h) loads.
//
//   bpe::TrainerOptions o;
//   o.vocab_size = 2048;  // special tokens + 256 bytes + merges
//   VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<bpe::BpeTrainer> trainer, bpe::BpeTrainer::Create(o));
//   for (const std::string& text : texts) trainer->Add(text);
//   VLMLAB_ASSIGN_OR_RETURN(bpe::TrainedBpe bpe, trainer->Train());
//   VLMLAB_RETURN_IF_ERROR(bpe::WriteTokenizerJson(bpe, "tokenizer.json"));
//   // experiment: tokenizer { bpe { path: "tokenizer.json" } }
//
// Add() does what the loader's Encode does before merging: cuts the special tokens out
// (leftmost, then longest), splits the rest as GPT-2 does (gpt2_split.h) and counts each piece.
// Train() then starts from the 256 bytes and repeatedly merges the adjacent pair of symbols
// occurring most often over all pieces (weighted by their counts): ties go to the pair whose
// left token's bytes are lexicographically smallest, then the right's. It stops when the
// vocabulary is full or the best pair occurs fewer than min_frequency times. Pair counts are
// updated incrementally (pair -> count, pair -> pieces holding it, a max-heap with lazy
// deletion), so a merge costs only the pieces it touches.
//
// Ids: the special tokens first (0..k-1, in the order given), then byte b as k + b, then each
// merge's new token in merge order. Should two merges spell the same bytes (a+bc, ab+c) they
// would share one token, as in Hugging Face's trainer (a case that the tests' random corpora
// never produced).
// The same input (texts in the same order, same options) gives byte-identical files.
#ifndef VLMLAB_PLUGINS_TOKENIZERS_BPE_TRAINER_H_
#define VLMLAB_PLUGINS_TOKENIZERS_BPE_TRAINER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vlmlab::bpe {

// The distinct special tokens the `bpe` plugin asks for by default (BpeTokenizerOptions:
// "<|endoftext|>", "<image>", "<fake_token_around_image>", "<|user|>", "<|assistant|>"), so a
// trained file loads with `bpe { path: ... }` and no other option.
std::vector<std::string> DefaultSpecialTokens();

struct TrainerOptions {
  int32_t vocab_size = 0;     // every token: special tokens, 256 bytes, merged tokens
  int64_t min_frequency = 2;  // a pair occurring fewer times than this is never merged
  std::vector<std::string> special_tokens = DefaultSpecialTokens();
  // Count each text between special tokens with a space in front when it has none, as the
  // loader encodes it when the file's ByteLevel add_prefix_space is set (which this also
  // writes). A word then has one token wherever it stands: "red" at the start of an answer
  // and " red" inside a caption both become " red".
  bool add_prefix_space = false;
};

struct TrainedBpe {
  std::vector<std::string> tokens;                  // by id: raw bytes (a special token's text)
  int32_t num_special = 0;                          // tokens[0, num_special) are the special tokens
  std::vector<std::pair<int32_t, int32_t>> merges;  // token ids, by rank
  std::vector<int32_t> merged;                      // the token each merge makes
  std::vector<int64_t> merge_counts;                // occurrences of each pair when merged
  int64_t texts = 0;                                // texts added
  int64_t pieces = 0;                               // pre-tokenized pieces counted
  int64_t distinct_pieces = 0;
  bool add_prefix_space = false;                    // written to the pre-tokenizer and decoder

  int32_t vocab_size() const { return static_cast<int32_t>(tokens.size()); }
};

class BpeTrainer {
 public:
  // Fails, naming the option, when vocab_size is below 256 + the special tokens, when
  // min_frequency < 1, or when a special token is empty, repeated, or a single byte-level
  // character (it would clash with the byte alphabet).
  static absl::StatusOr<std::unique_ptr<BpeTrainer>> Create(TrainerOptions options);

  // Counts the pieces of one text (any bytes; not necessarily valid UTF-8).
  void Add(absl::string_view text);
  int64_t num_texts() const { return texts_; }

  // Learns the merges from everything added so far; fails when there is no text outside the
  // special tokens. Const: more text may be added and Train() called again.
  absl::StatusOr<TrainedBpe> Train() const;

 private:
  explicit BpeTrainer(TrainerOptions options);

  TrainerOptions options_;
  std::vector<std::string> specials_by_length_;  // longest first, for cutting them out
  absl::flat_hash_map<std::string, int64_t> piece_counts_;
  int64_t texts_ = 0;
  int64_t pieces_ = 0;
};

// The tokenizer.json text: model.type "BPE" with vocab (byte-level strings, in id order) and
// merges ("a b"), the special tokens in model.vocab and added_tokens, a ByteLevel
// pre-tokenizer and decoder (add_prefix_space as trained). Deterministic.
std::string TokenizerJsonText(const TrainedBpe& bpe);

// Writes TokenizerJsonText to `path` atomically (a temporary file renamed over it); errors name
// the path.
absl::Status WriteTokenizerJson(const TrainedBpe& bpe, const std::string& path);

}  // namespace vlmlab::bpe

#endif  // VLMLAB_PLUGINS_TOKENIZERS_BPE_TRAINER_H_
