// `bpe`: byte-level BPE read from a Hugging Face tokenizer.json, the tokenizer of GPT-2,
// SmolLM2 and Llama-3/Qwen style models.
//
//   BpeTokenizerOptions o;
//   o.set_path("models/gpt2/tokenizer.json");
//   o.set_image_token("");  // GPT-2 has no image tokens: leave them unset
//   o.set_image_start_token("");
//   ...
//   absl::StatusOr<std::unique_ptr<BpeTokenizer>> tok = BpeTokenizer::Create(o);
//   std::vector<int32_t> ids = (*tok)->Encode("Hello world<|endoftext|>");  // {15496, 995, 50256}
//   (*tok)->Decode(ids);                                    // "Hello world<|endoftext|>"
//
// Encode: added tokens (the file's added_tokens plus the configured special tokens) are cut out
// first, leftmost then longest, and become their ids. The text between them is split as GPT-2
// does (gpt2_split.h), each piece's bytes are written in the byte-level alphabet
// (byte_level.h) and merged lowest rank first; results are cached per piece.
// Decode maps ids back to bytes (added tokens to their text); the result may be partial UTF-8
// when the ids split a character.
//
// Special tokens: each SpecialToken is the option naming it (defaults "<|endoftext|>" for
// pad/bos/eos, "<image>", "<fake_token_around_image>" around images as Idefics does,
// "<|user|>", "<|assistant|>"). Create fails, listing them, when set ones are missing from the
// file; "" leaves one unset and SpecialId returns -1 for it.
//
// Approximations, compared with Hugging Face tokenizers: the split is always GPT-2's (Llama-3
// and Qwen split digits in threes and attach one leading punctuation character to a word, so
// their encodings of such text differ), with a table-based Unicode classification; the
// normalizer (Qwen's NFC) and added tokens' lstrip/rstrip/single_word flags are ignored.
#ifndef VLMLAB_PLUGINS_TOKENIZERS_BPE_TOKENIZER_H_
#define VLMLAB_PLUGINS_TOKENIZERS_BPE_TOKENIZER_H_

#include <array>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "platform/plugin_api/tokenizer.h"
#include "platform/spec/tokenizers.pb.h"

namespace vlmlab {

class BpeTokenizer : public Tokenizer {
 public:
  // Fails, naming the file, when it cannot be read or is not a byte-level BPE tokenizer.json,
  // or when a configured special token is not in it.
  static absl::StatusOr<std::unique_ptr<BpeTokenizer>> Create(const BpeTokenizerOptions& options);

  int32_t vocab_size() const override { return vocab_size_; }
  std::vector<int32_t> Encode(absl::string_view text) const override;
  // Fails on ids outside [0, vocab_size) and on ids the file does not assign.
  absl::StatusOr<std::string> Decode(absl::Span<const int32_t> ids) const override;
  int32_t SpecialId(SpecialToken token) const override {
    return special_ids_[static_cast<int>(token)];
  }

 private:
  BpeTokenizer() = default;
  // Encodes text holding no added tokens.
  void EncodeText(absl::string_view text, std::vector<int32_t>& ids) const;
  void EncodePiece(absl::string_view piece, std::vector<int32_t>& ids) const;
  std::vector<int32_t> Merge(absl::string_view piece) const;

  std::string path_;
  bool add_bos_ = false;
  bool add_prefix_space_ = false;
  int32_t vocab_size_ = 0;
  std::array<int32_t, 8> special_ids_{};  // by SpecialToken
  std::array<int32_t, 256> byte_ids_{};
  // (left id << 32 | right id) -> (rank, merged id).
  absl::flat_hash_map<uint64_t, std::pair<int32_t, int32_t>> merges_;
  // Kept only for model.ignore_merges: byte-level token string -> id.
  absl::flat_hash_map<std::string, int32_t> whole_pieces_;
  // Added tokens, longest first, and their indices by first byte.
  std::vector<std::pair<std::string, int32_t>> added_;
  std::array<std::vector<size_t>, 256> added_by_first_byte_;
  absl::flat_hash_map<int32_t, std::string> id_bytes_;  // what each id decodes to

  mutable absl::Mutex cache_mu_;
  mutable absl::flat_hash_map<std::string, std::vector<int32_t>> cache_ ABSL_GUARDED_BY(cache_mu_);
};

}  // namespace vlmlab

#endif  // VLMLAB_PLUGINS_TOKENIZERS_BPE_TOKENIZER_H_
