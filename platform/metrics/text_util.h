// Small text helpers shared by the metrics, with Python's str semantics where the official
// scripts rely on them (str.split() and str.strip() on ASCII whitespace, len() in code points).
//
//   SplitWhitespace("  a \t b\n") == {"a", "b"}
//   StripWhitespace("  a b \n")   == "a b"
//   CodePoints("né").size()      == 2
#ifndef VLMLAB_PLATFORM_METRICS_TEXT_UTIL_H_
#define VLMLAB_PLATFORM_METRICS_TEXT_UTIL_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace vlmlab::metrics {

// Python's whitespace within ASCII: space, \t \n \v \f \r and the separators \x1c..\x1f.
bool IsPythonSpace(char c);

// Python's str.split() with no argument (ASCII whitespace only).
std::vector<std::string> SplitWhitespace(absl::string_view text);

// Python's str.strip() with no argument (ASCII whitespace only).
absl::string_view StripWhitespace(absl::string_view text);

// Decodes UTF-8 into code points; a malformed byte becomes one code point of its own (U+FFFD is
// not substituted, so distinct bad bytes stay distinct).
std::vector<char32_t> CodePoints(absl::string_view text);

// Levenshtein distance (insert, delete, substitute, each cost 1) between code point sequences.
size_t LevenshteinDistance(const std::vector<char32_t>& a, const std::vector<char32_t>& b);

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_TEXT_UTIL_H_
