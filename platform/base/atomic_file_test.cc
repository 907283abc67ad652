// Atomic replacement of files by WriteFileAtomically and AtomicFileWriter: no temporary
// files left behind, and the old file intact when a write fails.
#include "platform/base/atomic_file.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/testing/temp_files.h"

namespace vlmlab {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A fresh, empty directory per test.
std::string FreshDir(const std::string& name) {
  std::string dir = ::testing::TempDir() + name;
  mkdir(dir.c_str(), 0755);
  return dir;
}

std::vector<std::string> List(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return names;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(AtomicFileTest, SuccessLeavesOnlyTheTarget) {
  std::string dir = FreshDir("ok");
  std::string path = dir + "/m.bin";
  ASSERT_TRUE(WriteFileAtomically(path, "first version").ok());
  ASSERT_TRUE(WriteFileAtomically(path, "second").ok());  // replaces
  EXPECT_THAT(List(dir), ElementsAre("m.bin"));
  EXPECT_EQ(ReadBytes(path), "second");
}

TEST(AtomicFileTest, ParentIsARegularFile) {
  std::string dir = FreshDir("notdir");
  std::string file = dir + "/file";
  std::ofstream(file) << "x";
  std::string path = file + "/m.bin";
  absl::Status s = WriteFileAtomically(path, "x");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr(path));
  EXPECT_THAT(s.message(), HasSubstr("Not a directory"));
  EXPECT_THAT(List(dir), ElementsAre("file"));
}

TEST(AtomicFileTest, FailedWriteKeepsOldFileAndRemovesTemporary) {
  std::string dir = FreshDir("full");
  std::string path = dir + "/m.bin";
  ASSERT_TRUE(WriteFileAtomically(path, "old contents").ok());
  const std::string old_bytes = ReadBytes(path);
  // A full disk (works as root too): a 4 KiB file size limit makes write() fail with EFBIG.
  absl::Status s =
      WithFileSizeLimit(4096, [&] { return WriteFileAtomically(path, std::string(400000, 'z')); });
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr(path));
  EXPECT_THAT(s.message(), HasSubstr("File too large"));
  EXPECT_THAT(List(dir), ElementsAre("m.bin"));
  EXPECT_EQ(ReadBytes(path), old_bytes);
}

TEST(AtomicFileTest, RenameFailureRemovesTemporary) {
  std::string dir = FreshDir("rename");
  std::string target = dir + "/target";
  mkdir(target.c_str(), 0755);
  std::ofstream(target + "/keep") << "x";
  absl::Status s = WriteFileAtomically(target, "x");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("cannot rename"));
  EXPECT_THAT(List(dir), ElementsAre("target"));
  EXPECT_THAT(List(target), ElementsAre("keep"));
}

TEST(AtomicFileTest, UncommittedWriterLeavesTargetUntouched) {
  std::string dir = FreshDir("abandon");
  std::string path = dir + "/f";
  std::ofstream(path) << "old";
  {
    absl::StatusOr<std::unique_ptr<AtomicFileWriter>> w = AtomicFileWriter::Create(path);
    ASSERT_TRUE(w.ok()) << w.status();
    ASSERT_TRUE((*w)->Write("new!", 4).ok());
    EXPECT_EQ(List(dir).size(), 2u);  // the target and the temporary
    EXPECT_THAT((*w)->temp_path(), HasSubstr(path + ".tmp."));
  }
  EXPECT_THAT(List(dir), ElementsAre("f"));
  EXPECT_EQ(ReadBytes(path), "old");
  absl::StatusOr<std::unique_ptr<AtomicFileWriter>> w = AtomicFileWriter::Create(path);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write("new!", 4).ok());
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_FALSE((*w)->Commit().ok());
  EXPECT_EQ(ReadBytes(path), "new!");
  EXPECT_THAT(List(dir), ElementsAre("f"));
}

}  // namespace
}  // namespace vlmlab
