// ReadFileToString's limits and refusals, JoinPath, FileExists and CheckWritableDirectory.
#include "platform/base/file_io.h"

#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vlmlab {
namespace {

using ::testing::HasSubstr;

std::string Temp(const std::string& name) { return ::testing::TempDir() + "/" + name; }

TEST(FileIoTest, ReadsWholeFilesIncludingNulBytes) {
  const std::string path = Temp("bytes.bin");
  std::ofstream(path, std::ios::binary) << std::string("a\0b\xff", 4);
  absl::StatusOr<std::string> got = ReadFileToString(path);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, std::string("a\0b\xff", 4));
  std::ofstream(Temp("empty"), std::ios::binary);
  EXPECT_EQ(*ReadFileToString(Temp("empty")), "");
}

TEST(FileIoTest, RefusesMissingOversizedAndEndlessFiles) {
  absl::StatusOr<std::string> missing = ReadFileToString(Temp("nope"));
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_THAT(missing.status().message(), HasSubstr("nope: No such file or directory"));

  const std::string path = Temp("big.txt");
  std::ofstream(path) << std::string(1000, 'x');
  absl::StatusOr<std::string> big = ReadFileToString(path, 999);
  EXPECT_TRUE(absl::IsResourceExhausted(big.status()));
  EXPECT_THAT(big.status().message(), HasSubstr("1000 bytes, over the limit of 999"));
  EXPECT_TRUE(ReadFileToString(path, 1000).ok());

  // /dev/zero never ends; it must be refused, not read until memory runs out.
  absl::StatusOr<std::string> zero = ReadFileToString("/dev/zero");
  EXPECT_FALSE(zero.ok());
  EXPECT_THAT(zero.status().message(), HasSubstr("/dev/zero"));
  EXPECT_FALSE(ReadFileToString(::testing::TempDir()).ok());  // a directory
}

TEST(FileIoTest, JoinPathAndFileExists) {
  EXPECT_EQ(JoinPath("a", "b"), "a/b");
  EXPECT_EQ(JoinPath("a/", "b"), "a/b");
  EXPECT_EQ(JoinPath("", "b"), "b");
  EXPECT_EQ(JoinPath("a", "/abs"), "/abs");
  const std::string path = Temp("exists.txt");
  std::ofstream(path) << "x";
  EXPECT_TRUE(FileExists(path));
  EXPECT_FALSE(FileExists(Temp("missing.txt")));
  EXPECT_FALSE(FileExists(::testing::TempDir()));  // directories are not files
}

TEST(FileIoTest, WritableDirectoryIsCreatedAndProbed) {
  const std::string dir = Temp("out/nested/run");
  EXPECT_TRUE(CheckWritableDirectory(dir).ok());
  EXPECT_FALSE(FileExists(dir + "/.vlmlab-write-probe"));  // the probe is removed

  const std::string file = Temp("a_file");
  std::ofstream(file) << "x";
  absl::Status st = CheckWritableDirectory(file + "/sub");
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr(file + "/sub"));
  EXPECT_THAT(st.message(), HasSubstr("runtime.output_dir"));
}

}  // namespace
}  // namespace vlmlab
