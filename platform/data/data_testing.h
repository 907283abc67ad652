// Fixture builders for the data tests: tar archives assembled in memory (ustar headers, GNU
// long names), small test images, files in a scratch directory, and a tiny tokenizer with
// chosen special-token support.
//
//   std::string tar = testing::MakeTar({{"000.png", png}, {"000.json", json}});
//   std::string dir = testing::ScratchDir("coco");
//   testing::WriteFile(dir + "/a.png", png);
#ifndef VLMLAB_PLATFORM_DATA_DATA_TESTING_H_
#define VLMLAB_PLATFORM_DATA_DATA_TESTING_H_

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "platform/image/codec.h"
#include "platform/image/image.h"
#include "platform/plugin_api/tokenizer.h"

namespace vlmlab::data::testing {

struct TarEntry {
  std::string name;
  std::string data;
  char type = '0';
};

// One 512-byte ustar header. `checksum_delta` corrupts the stored checksum.
inline std::string TarHeader(const std::string& name, int64_t size, char type,
                             int checksum_delta = 0) {
  std::string h(512, '\0');
  std::memcpy(h.data(), name.data(), std::min<size_t>(name.size(), 100));
  std::snprintf(h.data() + 100, 8, "%07o", 0644);
  std::snprintf(h.data() + 108, 8, "%07o", 0);
  std::snprintf(h.data() + 116, 8, "%07o", 0);
  std::snprintf(h.data() + 124, 12, "%011llo", static_cast<unsigned long long>(size));
  std::snprintf(h.data() + 136, 12, "%011o", 0);
  h[156] = type;
  std::memcpy(h.data() + 257, "ustar", 6);  // "ustar\0"
  h[263] = '0';
  h[264] = '0';
  std::memset(h.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::snprintf(h.data() + 148, 8, "%06o", sum + checksum_delta);
  h[155] = ' ';
  return h;
}

inline std::string Padded(const std::string& data) {
  std::string out = data;
  out.resize((data.size() + 511) / 512 * 512, '\0');
  return out;
}

// Names longer than 100 bytes get a GNU ././@LongLink ('L') header first.
inline std::string MakeTar(const std::vector<TarEntry>& entries, bool end_blocks = true) {
  std::string tar;
  for (const TarEntry& e : entries) {
    if (e.name.size() > 100) {
      std::string long_name = e.name + '\0';
      tar += TarHeader("././@LongLink", long_name.size(), 'L');
      tar += Padded(long_name);
    }
    tar += TarHeader(e.name, e.data.size(), e.type);
    tar += Padded(e.data);
  }
  if (end_blocks) tar += std::string(1024, '\0');
  return tar;
}

// A small RGB image whose pixels encode (x, y, seed).
inline Image TestImage(int width, int height, int seed = 0) {
  Image img(width, height, 3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      uint8_t* p = img.at(x, y);
      p[0] = static_cast<uint8_t>(x * 7 + seed);
      p[1] = static_cast<uint8_t>(y * 11 + seed * 3);
      p[2] = static_cast<uint8_t>((x + y) * 5 + seed * 13);
    }
  }
  return img;
}

inline std::string TestPng(int width, int height, int seed = 0) {
  absl::StatusOr<std::string> png = EncodePng(TestImage(width, height, seed));
  EXPECT_TRUE(png.ok()) << png.status();
  return png.ok() ? *png : std::string();
}

// A fresh directory under TEST_TMPDIR (or /tmp).
inline std::string ScratchDir(const std::string& name) {
  const char* root = std::getenv("TEST_TMPDIR");
  std::string dir = absl::StrCat(root != nullptr ? root : "/tmp", "/", name, "_", ::getpid());
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

inline void WriteFile(const std::string& path, const std::string& data) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  ASSERT_EQ(std::fwrite(data.data(), 1, data.size(), f), data.size());
  std::fclose(f);
}

// Bytes as ids 0..255, special tokens 300+, each optional: a tokenizer built with
// has_special = false reports -1 for every special token. With add_bos a raw encoding
// (EncodeWithSpecialTokens) starts with BOS; Encode never adds it.
class TestTokenizer : public Tokenizer {
 public:
  explicit TestTokenizer(bool has_special = true, bool add_bos = false)
      : has_special_(has_special), add_bos_(add_bos) {}
  int32_t vocab_size() const override { return 310; }
  std::vector<int32_t> Encode(absl::string_view text) const override {
    std::vector<int32_t> ids;
    for (char c : text) ids.push_back(static_cast<unsigned char>(c));
    return ids;
  }
  std::vector<int32_t> EncodeWithSpecialTokens(absl::string_view text) const override {
    std::vector<int32_t> ids = Encode(text);
    if (add_bos_) ids.insert(ids.begin(), SpecialId(SpecialToken::kBos));
    return ids;
  }
  absl::StatusOr<std::string> Decode(absl::Span<const int32_t> ids) const override {
    std::string s;
    for (int32_t id : ids) s.push_back(id < 256 ? static_cast<char>(id) : '#');
    return s;
  }
  int32_t SpecialId(SpecialToken token) const override {
    if (!has_special_ && token != SpecialToken::kImage) return -1;
    return 300 + static_cast<int32_t>(token);
  }

 private:
  bool has_special_;
  bool add_bos_;
};

}  // namespace vlmlab::data::testing

#endif  // VLMLAB_PLATFORM_DATA_DATA_TESTING_H_
