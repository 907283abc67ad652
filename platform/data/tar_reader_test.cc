#include "platform/data/tar_reader.h"

#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/data/data_testing.h"

namespace vlmlab::data {
namespace {

using testing::MakeTar;
using testing::TarEntry;
using testing::TarHeader;

// Reads everything, collecting members and errors; fails the test if it does not terminate.
struct ReadResult {
  std::vector<TarMember> members;
  std::vector<std::string> errors;
};

ReadResult ReadAll(TarReader& reader) {
  ReadResult r;
  for (int calls = 0; calls < 100000; ++calls) {
    absl::StatusOr<std::optional<TarMember>> m = reader.Next();
    if (!m.ok()) {
      r.errors.push_back(std::string(m.status().message()));
      continue;
    }
    if (!m->has_value()) return r;
    r.members.push_back(std::move(**m));
  }
  ADD_FAILURE() << "the reader did not terminate";
  return r;
}

ReadResult ReadBytes(std::string bytes) {
  std::unique_ptr<TarReader> reader = TarReader::FromBytes(std::move(bytes), "t.tar");
  return ReadAll(*reader);
}

TEST(TarReaderTest, ReadsMembersInOrder) {
  ReadResult r = ReadBytes(
      MakeTar({{"000.txt", "hello"}, {"000.json", std::string(600, 'x')}, {"001.txt", ""}}));
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.members.size(), 3u);
  EXPECT_EQ(r.members[0].name, "000.txt");
  EXPECT_EQ(r.members[0].data, "hello");
  EXPECT_EQ(r.members[0].offset, 0);
  EXPECT_EQ(r.members[1].name, "000.json");
  EXPECT_EQ(r.members[1].data, std::string(600, 'x'));
  EXPECT_EQ(r.members[1].offset, 1024);  // header + one data block
  EXPECT_EQ(r.members[2].name, "001.txt");
  EXPECT_EQ(r.members[2].data, "");
}

TEST(TarReaderTest, GnuLongNamesUstarPrefixAndPaxPaths) {
  const std::string long_name = std::string(150, 'd') + "/000.png";
  std::string tar = MakeTar({{long_name, "png"}}, /*end_blocks=*/false);
  // A POSIX header with the path split into prefix and name.
  std::string h = TarHeader("b.txt", 2, '0');
  std::memcpy(h.data() + 345, "some/dir", 8);
  std::memset(h.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::snprintf(h.data() + 148, 8, "%06o", sum);
  h[155] = ' ';
  tar += h + testing::Padded("hi");
  // A pax header renaming the next member.
  const std::string pax = "30 path=pax/renamed/name.json\n";
  ASSERT_EQ(pax.size(), 30u);
  tar += TarHeader("PaxHeader", pax.size(), 'x') + testing::Padded(pax);
  tar += TarHeader("short.json", 1, '0') + testing::Padded("j");
  ReadResult r = ReadBytes(tar);
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.members.size(), 3u);
  EXPECT_EQ(r.members[0].name, long_name);
  EXPECT_EQ(r.members[1].name, "some/dir/b.txt");
  EXPECT_EQ(r.members[1].data, "hi");
  EXPECT_EQ(r.members[2].name, "pax/renamed/name.json");
}

TEST(TarReaderTest, SkipsDirectoriesAndLinks) {
  ReadResult r = ReadBytes(MakeTar({{"dir/", "", '5'}, {"link", "", '2'}, {"dir/a.txt", "a"}}));
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.members.size(), 1u);
  EXPECT_EQ(r.members[0].name, "dir/a.txt");
}

TEST(TarReaderTest, BadChecksumIsReportedAndTheReaderResyncs) {
  std::string tar = MakeTar({{"a.txt", "aaa"}}, /*end_blocks=*/false);
  tar += TarHeader("b.txt", 3, '0', /*checksum_delta=*/1) + testing::Padded("bbb");
  tar += MakeTar({{"c.txt", "ccc"}});
  ReadResult r = ReadBytes(tar);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0], ::testing::HasSubstr("t.tar"));
  EXPECT_THAT(r.errors[0], ::testing::HasSubstr("checksum"));
  EXPECT_THAT(r.errors[0], ::testing::HasSubstr("byte 1024"));
  ASSERT_EQ(r.members.size(), 2u);
  EXPECT_EQ(r.members[0].name, "a.txt");
  EXPECT_EQ(r.members[1].name, "c.txt");
  EXPECT_EQ(r.members[1].data, "ccc");
}

TEST(TarReaderTest, TruncatedMemberEndsTheStreamWithAnError) {
  std::string tar = MakeTar({{"a.txt", "aaa"}, {"b.bin", std::string(2000, 'b')}}, false);
  tar.resize(512 + 512 + 512 + 1000);  // b's header then half its data
  ReadResult r = ReadBytes(tar);
  ASSERT_EQ(r.members.size(), 1u);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0], ::testing::HasSubstr("member \"b.bin\""));
  EXPECT_THAT(r.errors[0], ::testing::HasSubstr("truncated"));
}

TEST(TarReaderTest, TruncatedHeader) {
  std::string tar = MakeTar({{"a.txt", "aaa"}}, false) + std::string(100, 'x');
  ReadResult r = ReadBytes(tar);
  ASSERT_EQ(r.members.size(), 1u);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0], ::testing::HasSubstr("100 bytes left"));
}

TEST(TarReaderTest, MalformedSizeFieldWithValidChecksum) {
  std::string h = TarHeader("bad.txt", 0, '0');
  std::memcpy(h.data() + 124, "12x4", 4);
  std::memset(h.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::snprintf(h.data() + 148, 8, "%06o", sum);
  h[155] = ' ';
  ReadResult r = ReadBytes(h + MakeTar({{"ok.txt", "ok"}}));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0], ::testing::HasSubstr("malformed size"));
  ASSERT_EQ(r.members.size(), 1u);
  EXPECT_EQ(r.members[0].name, "ok.txt");
}

TEST(TarReaderTest, HugeDeclaredSizeIsTruncationNotAnAllocation) {
  std::string h = TarHeader("huge.bin", int64_t{1} << 32, '0');
  ReadResult r = ReadBytes(h + std::string(512, 'z'));
  EXPECT_TRUE(r.members.empty());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0], ::testing::HasSubstr("4294967296 bytes"));
}

TEST(TarReaderTest, MemberOverTheLimitIsSkipped) {
  TarReaderOptions options;
  options.max_member_bytes = 100;
  std::unique_ptr<TarReader> reader = TarReader::FromBytes(
      MakeTar({{"big.bin", std::string(101, 'b')}, {"small.txt", "s"}}), "t.tar", options);
  ReadResult r = ReadAll(*reader);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0], ::testing::HasSubstr("limit"));
  ASSERT_EQ(r.members.size(), 1u);
  EXPECT_EQ(r.members[0].name, "small.txt");
}

TEST(TarReaderTest, MissingEndBlocksAndStrayZeroBlock) {
  ReadResult r = ReadBytes(MakeTar({{"a.txt", "a"}}, /*end_blocks=*/false));
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.members.size(), 1u);
  // One zero block followed by a member: reported, and the member is still read.
  r = ReadBytes(std::string(512, '\0') + MakeTar({{"b.txt", "b"}}));
  EXPECT_EQ(r.errors.size(), 1u);
  ASSERT_EQ(r.members.size(), 1u);
  EXPECT_EQ(r.members[0].name, "b.txt");
}

TEST(TarReaderTest, ParseTarNumber) {
  EXPECT_EQ(ParseTarNumber(absl::string_view("00000000017\0", 12)), 15);
  EXPECT_EQ(ParseTarNumber("   17 "), 15);
  EXPECT_EQ(ParseTarNumber(absl::string_view("17\0\0", 4)), 15);
  EXPECT_FALSE(ParseTarNumber("1 7").has_value());
  EXPECT_FALSE(ParseTarNumber("18").has_value());
  EXPECT_FALSE(ParseTarNumber("").has_value());
  EXPECT_FALSE(ParseTarNumber("    ").has_value());
  const char base256[] = {'\x80', 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2};
  EXPECT_EQ(ParseTarNumber(absl::string_view(base256, 12)), 258);
  const char negative[] = {'\xff', 0, 0, 0};
  EXPECT_FALSE(ParseTarNumber(absl::string_view(negative, 4)).has_value());
  const char overflow[] = {'\x80', '\x7f', '\xff', '\xff', '\xff', '\xff',
                           '\xff', '\xff', '\xff', '\xff', '\xff', '\xff'};
  EXPECT_FALSE(ParseTarNumber(absl::string_view(overflow, 12)).has_value());
}

TEST(TarReaderTest, OpensFilesAndNamesMissingOnes) {
  const std::string dir = testing::ScratchDir("tar_reader");
  testing::WriteFile(dir + "/s.tar", MakeTar({{"x.txt", "xyz"}}));
  absl::StatusOr<std::unique_ptr<TarReader>> reader = TarReader::Open(dir + "/s.tar");
  ASSERT_TRUE(reader.ok()) << reader.status();
  ReadResult r = ReadAll(**reader);
  ASSERT_EQ(r.members.size(), 1u);
  EXPECT_EQ(r.members[0].data, "xyz");
  absl::StatusOr<std::unique_ptr<TarReader>> missing = TarReader::Open(dir + "/nope.tar");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), ::testing::HasSubstr("nope.tar"));
}

// Random corruption (byte flips, zeroed runs, truncation) never crashes or hangs, and every
// member returned is one of the originals or has a name and bounded data.
TEST(TarReaderTest, SurvivesRandomCorruption) {
  std::vector<TarEntry> entries;
  for (int i = 0; i < 8; ++i) {
    entries.push_back({absl::StrCat("s", i, ".txt"), std::string(100 + 300 * i, 'a' + i)});
  }
  entries.push_back({std::string(120, 'L') + ".json", "{}"});
  const std::string clean = MakeTar(entries);
  std::mt19937 rng(7);
  for (int trial = 0; trial < 1500; ++trial) {
    std::string bytes = clean;
    const int kind = trial % 3;
    if (kind == 0) {
      for (int k = 0, n = 1 + rng() % 20; k < n; ++k)
        bytes[rng() % bytes.size()] ^= 1 + rng() % 255;
    } else if (kind == 1) {
      const size_t at = rng() % bytes.size();
      const size_t len = std::min<size_t>(bytes.size() - at, rng() % 700);
      std::fill(bytes.begin() + at, bytes.begin() + at + len, '\0');
    } else {
      bytes.resize(rng() % bytes.size());
    }
    std::unique_ptr<TarReader> reader = TarReader::FromBytes(bytes, "fuzz.tar");
    int calls = 0;
    while (true) {
      ASSERT_LT(++calls, static_cast<int>(bytes.size() / 512) + 3)
          << "no progress, trial " << trial;
      absl::StatusOr<std::optional<TarMember>> m = reader->Next();
      if (!m.ok()) continue;
      if (!m->has_value()) break;
      EXPECT_LE((*m)->data.size(), bytes.size());
    }
  }
}

}  // namespace
}  // namespace vlmlab::data
