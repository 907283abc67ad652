// Small text helpers shared by the metrics, with Python 3 str semantics where the official
// scripts rely on them: str.split() and str.strip() on Unicode whitespace, str.lower() with
// Unicode's full case mapping (through ICU), re's \d as any decimal digit, len() in code points.
// Text is UTF-8; a malformed byte is never whitespace or a digit and is kept as it is.
//
//   SplitWhitespace("  a \t b\u3000c") == {"a", "b", "c"}
//   StripWhitespace("\u00a0a b \n")    == "a b"
//   PythonLower("ÉCOLE İ")             == "école i̇"   (Python's "ÉCOLE İ".lower())
//   CodePoints("né").size()            == 2
#ifndef VLMLAB_PLATFORM_METRICS_TEXT_UTIL_H_
#define VLMLAB_PLATFORM_METRICS_TEXT_UTIL_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace vlmlab::metrics {

// Python's str.isspace() for one code point: general category Zs, or bidirectional class WS,
// B or S (so \t \n \v \f \r, \x1c..\x1f, U+0085, U+00A0, U+2028, U+3000, ...; not U+200B).
bool IsPythonSpace(char32_t c);

// Python 3 re's \d on str patterns: general category Nd (ASCII and other scripts' digits).
bool IsDecimalDigit(char32_t c);

// The code point that starts at byte i of a UTF-8 text and its length in bytes; a malformed
// sequence yields U+FFFF (no property) with length 1.
char32_t CodePointAt(absl::string_view text, size_t i, size_t* length = nullptr);

// The code point that ends just before byte i; U+FFFF for a malformed sequence or i == 0.
char32_t CodePointBefore(absl::string_view text, size_t i);

// Python's str.split() with no argument.
std::vector<std::string> SplitWhitespace(absl::string_view text);

// Python's str.strip() with no argument.
absl::string_view StripWhitespace(absl::string_view text);

// Python's str.lower(): Unicode full lowercase mapping in the root locale ("İ" -> "i̇", final
// sigma by context). ASCII text takes a fast path. Malformed UTF-8 is lowercased byte-wise
// where ASCII and kept otherwise.
std::string PythonLower(absl::string_view text);

// Decodes UTF-8 into code points; a malformed byte becomes one code point of its own (U+FFFD is
// not substituted, so distinct bad bytes stay distinct).
std::vector<char32_t> CodePoints(absl::string_view text);

// Levenshtein distance (insert, delete, substitute, each cost 1) between code point sequences.
size_t LevenshteinDistance(const std::vector<char32_t>& a, const std::vector<char32_t>& b);

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_TEXT_UTIL_H_
