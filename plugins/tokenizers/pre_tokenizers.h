// The pre-tokenizers of a tokenizer.json, as Hugging Face's tokenizers library runs them:
// ByteLevel (with or without GPT-2's regex, run by Oniguruma), Split (the file's own literal or
// regex, any behaviour, inverted or not), Digits, Metaspace (prepend schemes always/first/never,
// with or without splitting), Whitespace, WhitespaceSplit, Punctuation, BertPreTokenizer,
// CharDelimiterSplit and Sequence. UnicodeScripts and FixedLength are refused by name.
//
//   absl::StatusOr<std::unique_ptr<hf::PreTokenizer>> pt =
//       hf::ReadPreTokenizer({root["pre_tokenizer"], "pre_tokenizer"});   // nullptr for null
//   std::vector<hf::Piece> pieces = {hf::Piece::Whole("Hello world")};
//   (*pt)->PreTokenize(pieces);   // GPT-2: "Hello", "Ġworld"
#ifndef VLMLAB_PLUGINS_TOKENIZERS_PRE_TOKENIZERS_H_
#define VLMLAB_PLUGINS_TOKENIZERS_PRE_TOKENIZERS_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "plugins/tokenizers/hf_json.h"
#include "plugins/tokenizers/piece.h"

namespace vlmlab::hf {

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Cuts (and for ByteLevel, rewrites) every piece that is not an added token.
  virtual void PreTokenize(std::vector<Piece>& pieces) const = 0;
};

// The pre-tokenizer a JSON section declares; nullptr when the section is null.
absl::StatusOr<std::unique_ptr<PreTokenizer>> ReadPreTokenizer(const JsonAt& at);

// ByteLevel's GPT-2 split pattern, for the trainer (bpe_trainer.h) and the ByteLevel step.
extern const char kGpt2SplitPattern[];

}  // namespace vlmlab::hf

#endif  // VLMLAB_PLUGINS_TOKENIZERS_PRE_TOKENIZERS_H_
