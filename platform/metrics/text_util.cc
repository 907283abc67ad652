#include "platform/metrics/text_util.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "unicode/locid.h"
#include "unicode/uchar.h"
#include "unicode/unistr.h"
#include "unicode/utf8.h"

namespace vlmlab::metrics {
namespace {

constexpr char32_t kNoCodePoint = 0xFFFF;  // a noncharacter: no case, not a space or digit

// U8_NEXT at byte i: the code point, or a negative value for a malformed sequence (length 1).
UChar32 Decode(absl::string_view text, size_t i, size_t* length) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  int32_t next = static_cast<int32_t>(i);
  UChar32 c = 0;
  U8_NEXT(s, next, static_cast<int32_t>(text.size()), c);
  *length = c < 0 ? 1 : static_cast<size_t>(next) - i;
  return c;
}

bool IsAscii(absl::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Applies a whole-string case mapping to each maximal run of well-formed UTF-8, keeping
// malformed bytes as they are.
template <typename MapRun>
std::string MapWellFormedRuns(absl::string_view text, MapRun map_run) {
  std::string out;
  out.reserve(text.size());
  size_t run_start = 0, i = 0;
  auto flush = [&](size_t end) {
    if (end > run_start) out += map_run(text.substr(run_start, end - run_start));
  };
  while (i < text.size()) {
    size_t length = 0;
    if (Decode(text, i, &length) < 0) {
      flush(i);
      out.push_back(text[i]);
      run_start = ++i;
      continue;
    }
    i += length;
  }
  flush(text.size());
  return out;
}

// Unicode full lowercase mapping of well-formed UTF-8 in the root locale (no Turkish i rules).
std::string IcuLower(absl::string_view run) {
  std::string out;
  icu::UnicodeString::fromUTF8(icu::StringPiece(run.data(), static_cast<int32_t>(run.size())))
      .toLower(icu::Locale::getRoot())
      .toUTF8String(out);
  return out;
}

}  // namespace

bool IsPythonSpace(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
  if (c == kNoCodePoint) return false;
  const UChar32 u = static_cast<UChar32>(c);
  if (u_charType(u) == U_SPACE_SEPARATOR) return true;
  const UCharDirection d = u_charDirection(u);
  return d == U_WHITE_SPACE_NEUTRAL || d == U_BLOCK_SEPARATOR || d == U_SEGMENT_SEPARATOR;
}

bool IsDecimalDigit(char32_t c) {
  if (c < 0x80) return c >= '0' && c <= '9';
  return c != kNoCodePoint && u_charType(static_cast<UChar32>(c)) == U_DECIMAL_DIGIT_NUMBER;
}

char32_t CodePointAt(absl::string_view text, size_t i, size_t* length) {
  size_t n = 1;
  const UChar32 c = Decode(text, i, &n);
  if (length != nullptr) *length = n;
  return c < 0 ? kNoCodePoint : static_cast<char32_t>(c);
}

char32_t CodePointBefore(absl::string_view text, size_t i) {
  if (i == 0) return kNoCodePoint;
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  int32_t prev = static_cast<int32_t>(i);
  UChar32 c = 0;
  U8_PREV(s, 0, prev, c);
  return c < 0 ? kNoCodePoint : static_cast<char32_t>(c);
}

std::vector<std::string> SplitWhitespace(absl::string_view text) {
  std::vector<std::string> words;
  size_t i = 0, start = 0;
  bool in_word = false;
  while (i < text.size()) {
    size_t length = 1;
    const bool space = IsPythonSpace(CodePointAt(text, i, &length));
    if (space && in_word) words.emplace_back(text.substr(start, i - start));
    if (!space && !in_word) start = i;
    in_word = !space;
    i += length;
  }
  if (in_word) words.emplace_back(text.substr(start));
  return words;
}

absl::string_view StripWhitespace(absl::string_view text) {
  size_t begin = 0, end = text.size();
  while (begin < end) {
    size_t length = 1;
    if (!IsPythonSpace(CodePointAt(text, begin, &length))) break;
    begin += length;
  }
  while (end > begin) {
    const char32_t c = CodePointBefore(text, end);
    if (!IsPythonSpace(c)) break;
    end -= U8_LENGTH(static_cast<UChar32>(c));
  }
  return text.substr(begin, end - begin);
}

std::string PythonLower(absl::string_view text) {
  if (IsAscii(text)) return absl::AsciiStrToLower(text);
  return MapWellFormedRuns(text, IcuLower);
}

std::vector<char32_t> CodePoints(absl::string_view text) {
  std::vector<char32_t> out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char lead = static_cast<unsigned char>(text[i]);
    int extra = -1;
    char32_t cp = 0;
    if (lead < 0x80) {
      extra = 0;
      cp = lead;
    } else if ((lead >> 5) == 0x6) {
      extra = 1;
      cp = lead & 0x1F;
    } else if ((lead >> 4) == 0xE) {
      extra = 2;
      cp = lead & 0x0F;
    } else if ((lead >> 3) == 0x1E) {
      extra = 3;
      cp = lead & 0x07;
    }
    bool ok = extra >= 0 && i + static_cast<size_t>(extra) < text.size();
    for (int k = 1; ok && k <= extra; ++k) {
      const unsigned char cont = static_cast<unsigned char>(text[i + k]);
      ok = (cont >> 6) == 0x2;
      cp = (cp << 6) | (cont & 0x3F);
    }
    if (!ok) {
      out.push_back(0xDC00 + lead);  // a lone surrogate: valid UTF-8 never decodes to one
      ++i;
      continue;
    }
    out.push_back(cp);
    i += static_cast<size_t>(extra) + 1;
  }
  return out;
}

size_t LevenshteinDistance(const std::vector<char32_t>& a, const std::vector<char32_t>& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace vlmlab::metrics
