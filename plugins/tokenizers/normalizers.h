// The normalizers of a tokenizer.json, as Hugging Face's tokenizers library runs them on each
// piece of text between added tokens: NFC, NFD, NFKC, NFKD (ICU), Lowercase (each character's
// full lowercase mapping, through ICU), Strip, StripAccents, Replace (a literal or an Oniguruma
// regex), Prepend, ByteLevel and Sequence. BertNormalizer, Nmt and Precompiled (SentencePiece's
// character map) are refused by name.
//
//   absl::StatusOr<std::unique_ptr<hf::Normalizer>> n =
//       hf::ReadNormalizer({root["normalizer"], "normalizer"});   // nullptr for null
//   hf::Piece p = hf::Piece::Whole("Ünïcödé");
//   (*n)->Normalize(p);
#ifndef VLMLAB_PLUGINS_TOKENIZERS_NORMALIZERS_H_
#define VLMLAB_PLUGINS_TOKENIZERS_NORMALIZERS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "plugins/tokenizers/hf_json.h"
#include "plugins/tokenizers/piece.h"

namespace vlmlab::hf {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  // Rewrites p.text (and sets p.front_dropped when its first characters are removed).
  virtual void Normalize(Piece& p) const = 0;
};

// The normalizer a JSON section declares; nullptr when the section is null.
absl::StatusOr<std::unique_ptr<Normalizer>> ReadNormalizer(const JsonAt& at);

}  // namespace vlmlab::hf

#endif  // VLMLAB_PLUGINS_TOKENIZERS_NORMALIZERS_H_
