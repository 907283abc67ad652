#include "plugins/tokenizers/unicode_text.h"

#include <unicode/uchar.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

namespace vlmlab::hf {

std::string ValidUtf8(absl::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t n = static_cast<int32_t>(text.size());
  int32_t i = 0;
  bool valid = true;
  while (i < n && valid) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    valid = c >= 0;
  }
  if (valid) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  for (i = 0; i < n;) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0) {
      AppendUtf8(0xFFFD, out);
    } else {
      out.append(text.data() + start, i - start);
    }
  }
  return out;
}

char32_t NextCodePoint(absl::string_view text, size_t& pos) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  int32_t i = static_cast<int32_t>(pos);
  UChar32 c;
  U8_NEXT(s, i, static_cast<int32_t>(text.size()), c);
  pos = static_cast<size_t>(i);
  return c < 0 ? 0xFFFD : static_cast<char32_t>(c);
}

size_t CodePointLength(absl::string_view text, size_t pos) {
  size_t next = pos;
  NextCodePoint(text, next);
  return next - pos;
}

void AppendUtf8(char32_t c, std::string& out) {
  uint8_t buf[4];
  int32_t n = 0;
  UBool error = false;
  U8_APPEND(buf, n, 4, static_cast<UChar32>(c), error);
  if (error) {
    out += "\xEF\xBF\xBD";
    return;
  }
  out.append(reinterpret_cast<const char*>(buf), n);
}

bool IsWhitespace(char32_t c) { return u_hasBinaryProperty(c, UCHAR_WHITE_SPACE); }

bool IsNumeric(char32_t c) {
  const int8_t t = u_charType(c);
  return t == U_DECIMAL_DIGIT_NUMBER || t == U_LETTER_NUMBER || t == U_OTHER_NUMBER;
}

bool IsPunctuation(char32_t c) {
  if (c < 0x80) return c > 0x20 && c < 0x7F && !(c >= '0' && c <= '9') &&
                       !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z');
  return (U_GET_GC_MASK(c) & U_GC_P_MASK) != 0;
}

bool IsWordChar(char32_t c) {
  return u_hasBinaryProperty(c, UCHAR_ALPHABETIC) || (U_GET_GC_MASK(c) & U_GC_M_MASK) != 0 ||
         u_charType(c) == U_DECIMAL_DIGIT_NUMBER || u_charType(c) == U_CONNECTOR_PUNCTUATION ||
         u_hasBinaryProperty(c, UCHAR_JOIN_CONTROL);
}

bool IsCombiningMark(char32_t c) { return (U_GET_GC_MASK(c) & U_GC_M_MASK) != 0; }

std::string LowercaseChars(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const char32_t c = NextCodePoint(text, i);
    if (c < 0x80) {
      out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
      continue;
    }
    UChar in[2];
    int32_t in_len = 0;
    U16_APPEND_UNSAFE(in, in_len, static_cast<UChar32>(c));
    UChar lower[8];
    UErrorCode status = U_ZERO_ERROR;
    const int32_t n = u_strToLower(lower, 8, in, in_len, "", &status);
    if (U_FAILURE(status)) {
      AppendUtf8(c, out);
      continue;
    }
    for (int32_t k = 0; k < n;) {
      UChar32 l;
      U16_NEXT(lower, k, n, l);
      AppendUtf8(static_cast<char32_t>(l), out);
    }
  }
  return out;
}

}  // namespace vlmlab::hf
