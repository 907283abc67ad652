// A Hugging Face tokenizer.json with a BPE model, run through the pipeline the file declares,
// exactly as the `tokenizers` library runs it: added tokens cut out (raw ones first), the
// normalizer, the normalized added tokens, the pre-tokenizer, the BPE model, and on request the
// post-processor's special tokens; decoding through the file's decoder. Components vlmlab does
// not implement are refused by name when the file is read, never approximated
// (docs/tokenizers.md lists them).
//
//   absl::StatusOr<std::unique_ptr<hf::HfTokenizer>> tok = hf::HfTokenizer::Load("tokenizer.json");
//   std::vector<int32_t> ids = (*tok)->Encode("Hello world", /*add_special_tokens=*/true);
//   absl::StatusOr<std::string> text = (*tok)->Decode(ids);
//
// Text is taken as UTF-8; malformed sequences are replaced by U+FFFD first (a Rust string,
// which the library takes, cannot hold them).
#ifndef VLMLAB_PLUGINS_TOKENIZERS_HF_TOKENIZER_H_
#define VLMLAB_PLUGINS_TOKENIZERS_HF_TOKENIZER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "plugins/tokenizers/added_vocabulary.h"
#include "plugins/tokenizers/bpe_model.h"
#include "plugins/tokenizers/decoders.h"
#include "plugins/tokenizers/hf_json.h"
#include "plugins/tokenizers/normalizers.h"
#include "plugins/tokenizers/post_processors.h"
#include "plugins/tokenizers/pre_tokenizers.h"

namespace vlmlab::hf {

class HfTokenizer {
 public:
  static absl::StatusOr<std::unique_ptr<HfTokenizer>> Load(const std::string& path);
  // `name` stands for the file in messages.
  static absl::StatusOr<std::unique_ptr<HfTokenizer>> FromJson(const json& root,
                                                               const std::string& name);

  // Makes each text a special, non-normalized added token (the library's add_special_tokens)
  // unless the file already adds it. Each must be a vocabulary entry, as written or in the
  // byte-level alphabet; the error lists those that are not.
  absl::Status AddSpecialTokens(const std::vector<std::string>& contents);

  std::vector<int32_t> Encode(absl::string_view text, bool add_special_tokens) const;
  // Fails on ids that no vocabulary entry or added token has.
  absl::StatusOr<std::string> Decode(absl::Span<const int32_t> ids) const;

  // An added token's text or the model's vocabulary entry; nullptr for an unassigned id.
  const std::string* IdToToken(int32_t id) const;
  // The id of an added token's content or a vocabulary entry; -1 when neither.
  int32_t TokenToId(absl::string_view token) const;
  // TokenToId, or else the id of the vocabulary entry writing `token` in the byte-level
  // alphabet: the id AddSpecialTokens gives it; -1 when none.
  int32_t SpecialTokenId(absl::string_view token) const;
  // One more than the largest id.
  int32_t vocab_size() const { return vocab_size_; }
  bool post_processor_adds_tokens() const { return post_ && post_->AddsTokens(); }
  const std::string& name() const { return name_; }

 private:
  HfTokenizer() = default;
  void SetAddedTokens(std::vector<AddedToken> tokens);

  std::string name_;
  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_;
  std::unique_ptr<BpeModel> model_;
  std::unique_ptr<PostProcessor> post_;
  std::unique_ptr<Decoder> decoder_;
  AddedVocabulary added_;
  absl::flat_hash_map<std::string, int32_t> added_ids_;  // content -> id
  int32_t vocab_size_ = 0;
};

}  // namespace vlmlab::hf

#endif  // VLMLAB_PLUGINS_TOKENIZERS_HF_TOKENIZER_H_
