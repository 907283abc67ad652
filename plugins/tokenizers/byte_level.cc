#include "plugins/tokenizers/byte_level.h"

#include <algorithm>
#include <array>

#include "absl/container/flat_hash_map.h"

namespace vlmlab::bpe {
namespace {

bool StandsForItself(int b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

void AppendUtf8(char32_t cp, std::string& out) {  // cp < 0x800 here
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

struct Tables {
  std::array<std::string, 256> to_unicode;
  absl::flat_hash_map<std::string, char> to_byte;
  Tables() {
    int next = 0;
    for (int b = 0; b < 256; ++b) {
      char32_t cp = StandsForItself(b) ? b : 256 + next++;
      AppendUtf8(cp, to_unicode[b]);
      to_byte[to_unicode[b]] = static_cast<char>(b);
    }
  }
};

const Tables& GetTables() {
  static const Tables* tables = new Tables();
  return *tables;
}

// Length of the UTF-8 sequence starting with `lead`, or 1 for a byte that cannot start one.
size_t SequenceLength(unsigned char lead) {
  if (lead >= 0xC0 && lead < 0xE0) return 2;
  if (lead >= 0xE0 && lead < 0xF0) return 3;
  if (lead >= 0xF0 && lead < 0xF8) return 4;
  return 1;
}

}  // namespace

const std::string& ByteToUnicode(uint8_t b) { return GetTables().to_unicode[b]; }

std::string BytesToUnicode(absl::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += ByteToUnicode(static_cast<uint8_t>(c));
  return out;
}

std::string UnicodeToBytes(absl::string_view text) {
  const Tables& t = GetTables();
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t len = std::min(SequenceLength(static_cast<unsigned char>(text[i])), text.size() - i);
    absl::string_view ch = text.substr(i, len);
    // Byte-level characters are all 1 or 2 bytes long; anything else is copied.
    auto it = len <= 2 ? t.to_byte.find(ch) : t.to_byte.end();
    if (it != t.to_byte.end()) {
      out.push_back(it->second);
    } else {
      out.append(ch.data(), ch.size());
    }
    i += len;
  }
  return out;
}

bool IsByteLevelText(absl::string_view text) {
  const Tables& t = GetTables();
  for (size_t i = 0; i < text.size();) {
    const size_t len = std::min(SequenceLength(static_cast<unsigned char>(text[i])), text.size() - i);
    if (len > 2 || !t.to_byte.contains(text.substr(i, len))) return false;
    i += len;
  }
  return true;
}

}  // namespace vlmlab::bpe
