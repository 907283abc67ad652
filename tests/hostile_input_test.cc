// Hostile inputs of the sizes an attacker (or a corrupt download) would use: each is refused
// with an error that names the limit, and the process's peak memory stays small (it never
// allocates what the input claims). Peak RSS comes from getrusage (ru_maxrss, KiB).
#include <sys/resource.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/data/tar_reader.h"
#include "platform/image/codec.h"
#include "platform/spec/spec_loader.h"
#include "plugins/tokenizers/hf_tokenizer.h"

namespace vlmlab {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kMaxGrowthKiB = 64 * 1024;  // 64 MiB

// Under AddressSanitizer the shadow memory and quarantine inflate RSS; the memory checks are
// for the normal build (the errors are checked either way).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kCheckRss = false;
#else
constexpr bool kCheckRss = true;
#endif

int64_t PeakRssKiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

std::string TempPath(const std::string& name) { return ::testing::TempDir() + "/" + name; }

uint32_t Crc32(const std::string& bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : bytes) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::string BigEndian32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string PngChunk(const std::string& type, const std::string& data) {
  return BigEndian32(static_cast<uint32_t>(data.size())) + type + data +
         BigEndian32(Crc32(type + data));
}

TEST(HostileInput, PngHeaderClaiming100kBy100kPixels) {
  const std::string ihdr = BigEndian32(100000) + BigEndian32(100000) + std::string("\x08\x02\x00\x00\x00", 5);
  const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + PngChunk("IHDR", ihdr) +
                          PngChunk("IDAT", std::string("\x78\x9c\x03\x00\x00\x00\x00\x01", 8)) +
                          PngChunk("IEND", "");
  const int64_t before = PeakRssKiB();
  absl::StatusOr<Image> image = DecodeImage(png);
  ASSERT_FALSE(image.ok());
  EXPECT_THAT(image.status().message(), HasSubstr("pixels vlmlab decodes"));
  if (kCheckRss) EXPECT_LT(PeakRssKiB() - before, kMaxGrowthKiB);
}

TEST(HostileInput, TarMemberClaimingOneTerabyte) {
  // A ustar header whose size field says 2^40 bytes, in GNU base-256 (octal stops at 8 GiB):
  // 0x80, then the size big-endian in the field's other 11 bytes.
  std::string h(512, '\0');
  h.replace(0, 8, "huge.bin");
  h.replace(100, 8, "0000644");
  h[124] = static_cast<char>(0x80);
  h[124 + 11 - 5] = 0x01;  // 2^40 = 0x01 followed by five zero bytes
  h[156] = '0';
  h.replace(257, 6, std::string("ustar\0", 6));
  h.replace(263, 2, "00");
  h.replace(148, 8, "        ");
  uint32_t sum = 0;
  for (unsigned char c : h) sum += c;
  char field[8];
  std::snprintf(field, sizeof(field), "%06o", sum);
  h.replace(148, 7, std::string(field, 6) + '\0');
  const std::string path = TempPath("terabyte.tar");
  std::ofstream(path, std::ios::binary) << h << std::string(1024, '\0');
  const int64_t before = PeakRssKiB();
  absl::StatusOr<std::unique_ptr<data::TarReader>> reader = data::TarReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status();
  absl::StatusOr<std::optional<data::TarMember>> member = (*reader)->Next();
  ASSERT_FALSE(member.ok());
  EXPECT_THAT(std::string(member.status().message()), HasSubstr("1099511627776 bytes"));
  if (kCheckRss) EXPECT_LT(PeakRssKiB() - before, kMaxGrowthKiB);
}

TEST(HostileInput, FiftyMegabyteGarbageSpec) {
  const std::string path = TempPath("garbage.textproto");
  {
    std::ofstream out(path, std::ios::binary);
    std::string block(1 << 20, '\0');
    for (size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>((i * 2654435761u) >> 13);
    for (int mb = 0; mb < 50; ++mb) out << block;
  }
  const int64_t before = PeakRssKiB();
  absl::StatusOr<LoadedExperiment> loaded = LoadExperimentFile(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("MiB limit for a spec file"));
  if (kCheckRss) EXPECT_LT(PeakRssKiB() - before, kMaxGrowthKiB);
}

TEST(HostileInput, TokenizerIdsCannotAskForBillionsOfEmbeddingRows) {
  const std::string path = TempPath("tokenizer.json");
  std::ofstream(path) << R"({"model": {"type": "BPE", "vocab": {"a": 2000000000}, "merges": []},
                            "added_tokens": []})";
  absl::StatusOr<std::unique_ptr<hf::HfTokenizer>> tok = hf::HfTokenizer::Load(path);
  ASSERT_FALSE(tok.ok());
  EXPECT_THAT(tok.status().message(), HasSubstr("not an id in [0, 2^24)"));
}

}  // namespace
}  // namespace vlmlab
