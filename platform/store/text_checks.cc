#include "platform/store/text_checks.h"

#include <cstdint>

#include "absl/strings/str_cat.h"

namespace vlmlab::store {
namespace {

// The offset of the first byte that is not part of a well-formed UTF-8 sequence, or -1.
int64_t FirstBadUtf8(absl::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    int length;
    uint32_t code;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
      code = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      code = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      code = c & 0x07;
    } else {
      return static_cast<int64_t>(i);
    }
    if (i + length > n) return static_cast<int64_t>(i);
    for (int k = 1; k < length; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return static_cast<int64_t>(i);
      code = (code << 6) | (p[i + k] & 0x3F);
    }
    const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
    const bool surrogate = code >= 0xD800 && code <= 0xDFFF;
    if (overlong || surrogate || code > 0x10FFFF) return static_cast<int64_t>(i);
    i += length;
  }
  return -1;
}

}  // namespace

bool IsValidUtf8(absl::string_view s) { return FirstBadUtf8(s) < 0; }

absl::Status CheckText(absl::string_view what, absl::string_view value) {
  const size_t nul = value.find('\0');
  if (nul != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " contains a NUL byte at offset ", nul, "; remove it"));
  }
  const int64_t bad = FirstBadUtf8(value);
  if (bad >= 0) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is not valid UTF-8 (bad byte at offset ",
                                                   bad, "); store text as UTF-8"));
  }
  return absl::OkStatus();
}

absl::Status CheckId(absl::string_view what, absl::string_view value) {
  if (value.empty()) return absl::InvalidArgumentError(absl::StrCat(what, " is empty"));
  return CheckText(what, value);
}

}  // namespace vlmlab::store
