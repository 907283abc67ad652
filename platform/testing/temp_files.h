// Temporary files for tests: paths under the test's private directory (TEST_TMPDIR under Bazel)
// and files written in one call.
//
//   std::string path = TempPath("spec.textproto");                  // not created
//   std::string spec = WriteTempFile("spec.textproto", "name: 'x'"); // written, path returned
//   std::string dir = MakeTempDir("runs");                           // created, fresh
#ifndef VLMLAB_PLATFORM_TESTING_TEMP_FILES_H_
#define VLMLAB_PLATFORM_TESTING_TEMP_FILES_H_

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace vlmlab {

inline std::string TempPath(absl::string_view name) {
  std::string dir = ::testing::TempDir();
  if (!dir.empty() && dir.back() != '/') dir += '/';
  return dir + std::string(name);
}

// Writes `contents` (bytes, binary) to TempPath(name), creating parent directories.
inline std::string WriteTempFile(absl::string_view name, absl::string_view contents) {
  const std::string path = TempPath(name);
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  EXPECT_TRUE(out.good()) << "cannot write " << path;
  return path;
}

// An empty directory TempPath(name): removed first if it exists.
inline std::string MakeTempDir(absl::string_view name) {
  const std::string path = TempPath(name);
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
  return path;
}

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_TESTING_TEMP_FILES_H_
