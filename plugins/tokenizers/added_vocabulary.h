// The added tokens of a tokenizer.json and how Hugging Face's tokenizers library cuts them out
// of text before the model sees it: tokens with normalized=false are found in the raw text,
// the others in each normalized piece (in their normalized form); matches are leftmost-longest
// without overlap; single_word discards a match touching a word character; lstrip and rstrip
// take the whitespace on that side into the token.
//
//   hf::AddedVocabulary added(tokens, normalizer);   // normalizer may be null
//   std::vector<hf::Piece> pieces = {hf::Piece::Whole("<s> hi")};
//   added.ExtractRaw(pieces);                       // "<s>" (id), " hi"
//   for (hf::Piece& p : pieces) if (p.added_id < 0) normalizer->Normalize(p);
//   added.ExtractNormalized(pieces);
#ifndef VLMLAB_PLUGINS_TOKENIZERS_ADDED_VOCABULARY_H_
#define VLMLAB_PLUGINS_TOKENIZERS_ADDED_VOCABULARY_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "plugins/tokenizers/hf_json.h"
#include "plugins/tokenizers/normalizers.h"
#include "plugins/tokenizers/piece.h"

namespace vlmlab::hf {

struct AddedToken {
  std::string content;
  int32_t id = -1;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
  bool special = false;
};

// The file's added_tokens array (null gives none).
absl::StatusOr<std::vector<AddedToken>> ReadAddedTokens(const JsonAt& at);

class AddedVocabulary {
 public:
  AddedVocabulary() = default;
  AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer);

  // Cuts the tokens with normalized=false out of the pieces' raw text.
  void ExtractRaw(std::vector<Piece>& pieces) const { Extract(raw_, pieces); }
  // Cuts the normalized=true tokens out of the (normalized) pieces.
  void ExtractNormalized(std::vector<Piece>& pieces) const { Extract(normalized_, pieces); }

  // The text an added token's id decodes to (its normalized form for normalized tokens);
  // nullptr when the id is not an added token.
  const std::string* IdToToken(int32_t id) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  struct Set {
    std::vector<std::pair<std::string, size_t>> patterns;  // text, index into tokens_
    std::array<std::vector<size_t>, 256> by_first_byte;    // indices into patterns
  };
  void Extract(const Set& set, std::vector<Piece>& pieces) const;

  std::vector<AddedToken> tokens_;
  Set raw_, normalized_;
  absl::flat_hash_map<int32_t, std::string> id_text_;
};

}  // namespace vlmlab::hf

#endif  // VLMLAB_PLUGINS_TOKENIZERS_ADDED_VOCABULARY_H_
