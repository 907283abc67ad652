#include "plugins/tokenizers/gpt2_split.h"

#include <algorithm>
#include <iterator>

namespace vlmlab::bpe {
namespace {

struct Range {
  char32_t lo, hi;
  CharClass cls;
};

constexpr CharClass L = CharClass::kLetter;
constexpr CharClass N = CharClass::kNumber;
constexpr CharClass S = CharClass::kSpace;

// Non-ASCII ranges, sorted and disjoint. Everything else is kOther.
constexpr Range kRanges[] = {
    {0x85, 0x85, S},       {0xA0, 0xA0, S},       {0xAA, 0xAA, L},       {0xB2, 0xB3, N},
    {0xB5, 0xB5, L},       {0xB9, 0xB9, N},       {0xBA, 0xBA, L},       {0xBC, 0xBE, N},
    {0xC0, 0xD6, L},       {0xD8, 0xF6, L},       {0xF8, 0x2C1, L},      {0x2C6, 0x2D1, L},
    {0x2E0, 0x2E4, L},     {0x2EC, 0x2EC, L},     {0x2EE, 0x2EE, L},     {0x370, 0x374, L},
    {0x376, 0x377, L},     {0x37A, 0x37D, L},     {0x37F, 0x37F, L},     {0x386, 0x386, L},
    {0x388, 0x3F5, L},     {0x3F7, 0x481, L},     {0x48A, 0x52F, L},     {0x531, 0x556, L},
    {0x559, 0x559, L},     {0x560, 0x588, L},     {0x5D0, 0x5EA, L},     {0x5EF, 0x5F2, L},
    {0x620, 0x64A, L},     {0x660, 0x669, N},     {0x66E, 0x66F, L},     {0x671, 0x6D3, L},
    {0x6D5, 0x6D5, L},     {0x6E5, 0x6E6, L},     {0x6EE, 0x6EF, L},     {0x6F0, 0x6F9, N},
    {0x6FA, 0x6FC, L},     {0x6FF, 0x6FF, L},     {0x710, 0x710, L},     {0x712, 0x72F, L},
    {0x74D, 0x7A5, L},     {0x7B1, 0x7B1, L},     {0x7C0, 0x7C9, N},     {0x904, 0x939, L},
    {0x93D, 0x93D, L},     {0x950, 0x950, L},     {0x958, 0x961, L},     {0x966, 0x96F, N},
    {0x971, 0x980, L},     {0x985, 0x9B9, L},     {0x9BD, 0x9BD, L},     {0x9CE, 0x9CE, L},
    {0x9DC, 0x9E1, L},     {0x9E6, 0x9EF, N},     {0x9F0, 0x9F1, L},     {0xA05, 0xA39, L},
    {0xA66, 0xA6F, N},     {0xA85, 0xAB9, L},     {0xAE6, 0xAEF, N},     {0xB05, 0xB39, L},
    {0xB66, 0xB6F, N},     {0xB85, 0xBB9, L},     {0xBE6, 0xBF2, N},     {0xC05, 0xC39, L},
    {0xC66, 0xC6F, N},     {0xC85, 0xCB9, L},     {0xCE6, 0xCEF, N},     {0xD05, 0xD3A, L},
    {0xD66, 0xD78, N},     {0xD85, 0xDC6, L},     {0xDE6, 0xDEF, N},     {0xE01, 0xE30, L},
    {0xE32, 0xE33, L},     {0xE40, 0xE46, L},     {0xE50, 0xE59, N},     {0xE81, 0xEB0, L},
    {0xEB2, 0xEB3, L},     {0xEBD, 0xEC6, L},     {0xED0, 0xED9, N},     {0xF20, 0xF33, N},
    {0xF40, 0xF6C, L},     {0x1000, 0x102A, L},   {0x1040, 0x1049, N},   {0x10A0, 0x10FF, L},
    {0x1100, 0x11FF, L},   {0x1200, 0x135A, L},   {0x13A0, 0x13F5, L},   {0x1401, 0x166C, L},
    {0x1680, 0x1680, S},   {0x1780, 0x17B3, L},   {0x17E0, 0x17E9, N},   {0x1810, 0x1819, N},
    {0x1820, 0x1878, L},   {0x1D00, 0x1DBF, L},   {0x1E00, 0x1FBC, L},   {0x1FC2, 0x1FCC, L},
    {0x1FD0, 0x1FDB, L},   {0x1FE0, 0x1FEC, L},   {0x1FF2, 0x1FFC, L},   {0x2000, 0x200A, S},
    {0x2028, 0x2029, S},   {0x202F, 0x202F, S},   {0x205F, 0x205F, S},   {0x2070, 0x2070, N},
    {0x2071, 0x2071, L},   {0x2074, 0x2079, N},   {0x207F, 0x207F, L},   {0x2080, 0x2089, N},
    {0x2090, 0x209C, L},   {0x2102, 0x2102, L},   {0x2107, 0x2107, L},   {0x210A, 0x2113, L},
    {0x2115, 0x2115, L},   {0x2119, 0x211D, L},   {0x2124, 0x2124, L},   {0x2126, 0x2126, L},
    {0x2128, 0x2128, L},   {0x212A, 0x212D, L},   {0x212F, 0x2139, L},   {0x2150, 0x2182, N},
    {0x2185, 0x2189, N},   {0x2460, 0x249B, N},   {0x24EA, 0x24FF, N},   {0x2776, 0x2793, N},
    {0x2C00, 0x2CE4, L},   {0x2D00, 0x2D25, L},   {0x2D30, 0x2D67, L},   {0x3000, 0x3000, S},
    {0x3005, 0x3006, L},   {0x3007, 0x3007, N},   {0x3021, 0x3029, N},   {0x3031, 0x3035, L},
    {0x3038, 0x303A, N},   {0x303B, 0x303C, L},   {0x3041, 0x3096, L},   {0x309D, 0x309F, L},
    {0x30A1, 0x30FA, L},   {0x30FC, 0x30FF, L},   {0x3105, 0x312F, L},   {0x3131, 0x318E, L},
    {0x3192, 0x3195, N},   {0x31A0, 0x31BF, L},   {0x31F0, 0x31FF, L},   {0x3220, 0x3229, N},
    {0x3248, 0x324F, N},   {0x3251, 0x325F, N},   {0x3280, 0x3289, N},   {0x32B1, 0x32BF, N},
    {0x3400, 0x4DBF, L},   {0x4E00, 0x9FFF, L},   {0xA000, 0xA48C, L},   {0xA4D0, 0xA4FD, L},
    {0xA500, 0xA60C, L},   {0xA640, 0xA66E, L},   {0xA680, 0xA69D, L},   {0xA722, 0xA788, L},
    {0xA78B, 0xA7FF, L},   {0xAC00, 0xD7A3, L},   {0xF900, 0xFAFF, L},   {0xFB00, 0xFB06, L},
    {0xFB1D, 0xFB1D, L},   {0xFB1F, 0xFB28, L},   {0xFB2A, 0xFBB1, L},   {0xFBD3, 0xFD3D, L},
    {0xFD50, 0xFDFB, L},   {0xFE70, 0xFEFC, L},   {0xFF10, 0xFF19, N},   {0xFF21, 0xFF3A, L},
    {0xFF41, 0xFF5A, L},   {0xFF66, 0xFFDC, L},   {0x1D400, 0x1D7CB, L}, {0x1D7CE, 0x1D7FF, N},
    {0x1F100, 0x1F10C, N}, {0x20000, 0x2FA1F, L}, {0x30000, 0x3134F, L},
};

constexpr char32_t kInvalid = 0xFFFFFFFF;  // a malformed UTF-8 byte

// Decodes the code point at text[i], setting `len`; a malformed sequence is one kInvalid byte.
char32_t DecodeAt(absl::string_view text, size_t i, size_t& len) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char b0 = byte(i);
  len = 1;
  if (b0 < 0x80) return b0;
  size_t n;
  char32_t cp;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2, cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3, cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4, cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return kInvalid;
  }
  if (i + n > text.size()) return kInvalid;
  for (size_t k = 1; k < n; ++k) {
    unsigned char b = byte(i + k);
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return kInvalid;
    cp = (cp << 6) | (b & 0x3F);
  }
  len = n;
  return cp;
}

struct Char {
  size_t offset;
  char32_t cp;
  CharClass cls;
};

}  // namespace

CharClass Classify(char32_t cp) {
  if (cp < 0x80) {
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) return CharClass::kLetter;
    if (cp >= '0' && cp <= '9') return CharClass::kNumber;
    if (cp == ' ' || (cp >= '\t' && cp <= '\r')) return CharClass::kSpace;
    return CharClass::kOther;
  }
  const Range* end = std::end(kRanges);
  const Range* r = std::upper_bound(std::begin(kRanges), end, cp,
                                    [](char32_t c, const Range& range) { return c < range.lo; });
  if (r == std::begin(kRanges)) return CharClass::kOther;
  --r;
  return cp <= r->hi ? r->cls : CharClass::kOther;
}

std::vector<absl::string_view> SplitGpt2(absl::string_view text) {
  std::vector<Char> chars;
  chars.reserve(text.size());
  for (size_t i = 0, len = 0; i < text.size(); i += len) {
    char32_t cp = DecodeAt(text, i, len);
    chars.push_back({i, cp, cp == kInvalid ? CharClass::kOther : Classify(cp)});
  }
  const size_t n = chars.size();
  const auto cp = [&](size_t k) { return k < n ? chars[k].cp : kInvalid; };
  // The end of the run of class `cls` starting at `k`.
  const auto run_end = [&](size_t k, CharClass cls) {
    while (k < n && chars[k].cls == cls) ++k;
    return k;
  };

  std::vector<absl::string_view> pieces;
  size_t i = 0;
  while (i < n) {
    size_t end = i + 1;
    const CharClass cls = chars[i].cls;
    const char32_t c1 = cp(i + 1), c2 = cp(i + 2);
    if (chars[i].cp == '\'' && (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd')) {
      end = i + 2;  // 's 't 'm 'd
    } else if (chars[i].cp == '\'' &&
               ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l'))) {
      end = i + 3;  // 're 've 'll
    } else if (chars[i].cp == ' ' && i + 1 < n && chars[i + 1].cls != CharClass::kSpace) {
      end = run_end(i + 1, chars[i + 1].cls);  // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`
    } else if (cls != CharClass::kSpace) {
      end = run_end(i, cls);
    } else {
      // `\s+(?!\S)` leaves the last space of a run to the word after it; `\s+` takes a lone one.
      end = run_end(i, CharClass::kSpace);
      if (end < n && end - i >= 2) --end;
    }
    size_t stop = end < n ? chars[end].offset : text.size();
    pieces.push_back(text.substr(chars[i].offset, stop - chars[i].offset));
    i = end;
  }
  return pieces;
}

}  // namespace vlmlab::bpe
