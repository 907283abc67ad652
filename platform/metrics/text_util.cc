#include "platform/metrics/text_util.h"

#include <algorithm>

namespace vlmlab::metrics {

bool IsPythonSpace(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f');
}

std::vector<std::string> SplitWhitespace(absl::string_view text) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && IsPythonSpace(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && !IsPythonSpace(text[i])) ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  return words;
}

absl::string_view StripWhitespace(absl::string_view text) {
  size_t begin = 0, end = text.size();
  while (begin < end && IsPythonSpace(text[begin])) ++begin;
  while (end > begin && IsPythonSpace(text[end - 1])) --end;
  return text.substr(begin, end - begin);
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
