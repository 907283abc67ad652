#include "platform/sweep/run_lock.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/sweep/worker_process.h"

namespace vlmlab::sweep {
namespace {

std::string TempPath(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::filesystem::path dir = std::filesystem::path(tmp ? tmp : "/tmp") / "run_lock_test";
  std::filesystem::create_directories(dir);
  std::filesystem::remove_all(dir / name);
  return (dir / name / "sweep.lock").string();
}

bool Free(const std::string& path) {
  absl::StatusOr<std::optional<RunLock>> l = RunLock::TryAcquire(path);
  EXPECT_TRUE(l.ok()) << l.status();
  return l.ok() && l->has_value();
}

TEST(RunLockTest, OneHolderAtATime) {
  std::string path = TempPath("one");
  {
    absl::StatusOr<std::optional<RunLock>> a = RunLock::TryAcquire(path);
    ASSERT_TRUE(a.ok()) << a.status();
    ASSERT_TRUE(a->has_value());
    EXPECT_FALSE(Free(path));
    ASSERT_TRUE((*a)->WriteOwner(321).ok());
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, "321\n");
    RunLock moved = std::move(**a);
    EXPECT_FALSE(Free(path));
  }
  EXPECT_TRUE(Free(path));
}

TEST(RunLockTest, AWorkerKeepsTheLockAfterTheSweepLetsGo) {
  std::string path = TempPath("inherit");
  absl::StatusOr<std::optional<RunLock>> a = RunLock::TryAcquire(path);
  ASSERT_TRUE(a.ok() && a->has_value());
  absl::StatusOr<WorkerProcess> w =
      WorkerProcess::Start({"/bin/sh", "-c", "sleep 0.5"}, path + ".log", (*a)->fd());
  ASSERT_TRUE(w.ok()) << w.status();
  a->reset();  // the sweep dies; its worker lives on
  EXPECT_FALSE(Free(path));
  while (!w->Poll()) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_TRUE(Free(path));
}

TEST(RunLockTest, OtherWorkersDoNotInheritIt) {
  std::string path = TempPath("not_inherited");
  absl::StatusOr<std::optional<RunLock>> a = RunLock::TryAcquire(path);
  ASSERT_TRUE(a.ok() && a->has_value());
  absl::StatusOr<WorkerProcess> w =
      WorkerProcess::Start({"/bin/sh", "-c", "sleep 2"}, path + ".log");
  ASSERT_TRUE(w.ok()) << w.status();
  a->reset();
  // Between fork and exec the child holds a copy of every descriptor; exec closes it.
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  bool free = false;
  while (!(free = Free(path)) && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_TRUE(free);
  EXPECT_FALSE(w->Poll());  // freed while the worker still runs
  while (!w->Poll()) absl::SleepFor(absl::Milliseconds(10));
}

TEST(RunLockTest, UnwritableDirectoryIsAnError) {
  absl::StatusOr<std::optional<RunLock>> a = RunLock::TryAcquire("/proc/no/such/dir/sweep.lock");
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(a.status().message(), ::testing::HasSubstr("/proc/no/such/dir")) << a.status();
}

}  // namespace
}  // namespace vlmlab::sweep
