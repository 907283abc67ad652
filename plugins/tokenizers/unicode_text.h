// Unicode helpers for the Hugging Face tokenizer pipeline, with the semantics of the Rust
// functions the `tokenizers` library calls (char::is_whitespace, char::is_numeric,
// char::to_lowercase, the regex crate's \w), answered by ICU. Text is UTF-8.
//
//   std::string s = hf::ValidUtf8("a\xffb");        // "a\uFFFDb": what a Rust &str could hold
//   for (size_t i = 0; i < s.size();) {
//     char32_t c = hf::NextCodePoint(s, i);          // advances i past the character
//     if (hf::IsWhitespace(c)) ...
//   }
//   hf::LowercaseChars("İΣ")                        // "i̇σ": each character on its own
#ifndef VLMLAB_PLUGINS_TOKENIZERS_UNICODE_TEXT_H_
#define VLMLAB_PLUGINS_TOKENIZERS_UNICODE_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace vlmlab::hf {

// `text` with each malformed UTF-8 sequence replaced by U+FFFD (as a Rust String::from_utf8_lossy
// would); valid text is returned unchanged.
std::string ValidUtf8(absl::string_view text);

// The code point starting at byte `pos` of valid UTF-8; `pos` moves past it.
char32_t NextCodePoint(absl::string_view text, size_t& pos);

// The byte length of the code point starting at `pos` (1 for a stray byte).
size_t CodePointLength(absl::string_view text, size_t pos);

void AppendUtf8(char32_t c, std::string& out);

// Rust char::is_whitespace: the White_Space property.
bool IsWhitespace(char32_t c);
// Rust char::is_numeric: general categories Nd, Nl and No.
bool IsNumeric(char32_t c);
// Hugging Face's punctuation test: ASCII punctuation (symbols such as $ + < = > ^ ` | ~ included)
// or a general category P*.
bool IsPunctuation(char32_t c);
// The regex crate's Unicode \w: Alphabetic, M*, Nd, Pc or Join_Control.
bool IsWordChar(char32_t c);
// A combining mark: general categories Mn, Mc and Me.
bool IsCombiningMark(char32_t c);

// Rust's per-character char::to_lowercase applied to each character: Unicode's full lowercase
// mapping without context (so a final Σ becomes σ, unlike str::to_lowercase).
std::string LowercaseChars(absl::string_view text);

}  // namespace vlmlab::hf

#endif  // VLMLAB_PLUGINS_TOKENIZERS_UNICODE_TEXT_H_
