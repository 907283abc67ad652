// GPT-2's pre-tokenization split, written by hand (no PCRE): the pieces that the regex
//
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// finds, in order. Byte-level BPE then runs on each piece separately.
//
//   SplitGpt2("I'm here  now\n")   // {"I", "'m", " here", " ", " now", "\n"}
//
// Approximations: \p{L} and \p{N} come from a table of common ranges (Latin, Greek, Cyrillic,
// Armenian, Hebrew, Arabic, Indic, Thai, Georgian, Hangul, kana, CJK ideographs, fullwidth
// forms, ...), not the full Unicode database, so letters of scripts missing from the table are
// treated as punctuation. \s is Unicode White_Space. Contractions are case-sensitive, as in
// GPT-2. A malformed UTF-8 byte is one punctuation-class character.
#ifndef VLMLAB_PLUGINS_TOKENIZERS_GPT2_SPLIT_H_
#define VLMLAB_PLUGINS_TOKENIZERS_GPT2_SPLIT_H_

#include <vector>

#include "absl/strings/string_view.h"

namespace vlmlab::bpe {

enum class CharClass { kLetter, kNumber, kSpace, kOther };

// The class of code point `cp` (see the approximations above).
CharClass Classify(char32_t cp);

// The pieces of `text`, in order; they concatenate back to `text`.
std::vector<absl::string_view> SplitGpt2(absl::string_view text);

}  // namespace vlmlab::bpe

#endif  // VLMLAB_PLUGINS_TOKENIZERS_GPT2_SPLIT_H_
