// Temporary files for tests: paths under the test's private directory (TEST_TMPDIR under Bazel)
// and files written in one call.
//
//   std::string path = TempPath("spec.textproto");                  // not created
//   std::string spec = WriteTempFile("spec.textproto", "name: 'x'"); // written, path returned
//   std::string dir = MakeTempDir("runs");                           // created, fresh
//   absl::Status s = WithFileSizeLimit(4096, [&] { return Write(big); });  // a full disk
#ifndef VLMLAB_PLATFORM_TESTING_TEMP_FILES_H_
#define VLMLAB_PLATFORM_TESTING_TEMP_FILES_H_

#include <signal.h>
#include <sys/resource.h>

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

// Runs `f` with this process's file size limit (RLIMIT_FSIZE) at `max_bytes`, SIGXFSZ ignored,
// so writes past it fail with EFBIG as on a full disk (no root or tmpfs needed); the limit and
// the signal's handler are restored afterwards. Single-threaded tests only: the limit is
// process-wide.
template <typename F>
auto WithFileSizeLimit(rlim_t max_bytes, F&& f) -> decltype(f()) {
  struct rlimit saved;
  EXPECT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  struct rlimit small = saved;
  small.rlim_cur = max_bytes;
  sighandler_t old_handler = signal(SIGXFSZ, SIG_IGN);
  EXPECT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  auto result = f();
  setrlimit(RLIMIT_FSIZE, &saved);
  signal(SIGXFSZ, old_handler);
  return result;
}

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_TESTING_TEMP_FILES_H_
