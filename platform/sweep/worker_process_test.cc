#include "platform/sweep/worker_process.h"

#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vlmlab::sweep {
namespace {

std::string TempPath(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::filesystem::path dir = std::filesystem::path(tmp ? tmp : "/tmp") / "worker_process_test";
  std::filesystem::create_directories(dir);
  std::filesystem::remove(dir / name);
  return (dir / name).string();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

WorkerProcess RunToEnd(const std::vector<std::string>& argv, const std::string& log) {
  absl::StatusOr<WorkerProcess> w = WorkerProcess::Start(argv, log);
  EXPECT_TRUE(w.ok()) << w.status();
  while (!w->Poll()) absl::SleepFor(absl::Milliseconds(5));
  return std::move(*w);
}

TEST(WorkerProcessTest, AppendsStdoutAndStderrAfterAHeader) {
  std::string log = TempPath("out.log");
  WorkerProcess a = RunToEnd({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, log);
  EXPECT_FALSE(a.Succeeded());
  EXPECT_EQ(DescribeWaitStatus(a.wait_status()), "exited with status 3");
  WorkerProcess b = RunToEnd({"/bin/sh", "-c", "read x; echo \"stdin:$x.\""}, log);
  EXPECT_TRUE(b.Succeeded());
  std::string text = ReadFile(log);
  EXPECT_NE(text.find("vlmlab sweep starts: /bin/sh -c echo out; echo err >&2; exit 3\nout\nerr\n"),
            std::string::npos)
      << text;
  EXPECT_THAT(text, ::testing::HasSubstr("\nstdin:.\n")) << text;  // stdin is /dev/null
  std::string tail_a = LogTail(log, a.log_offset(), 1000, 10);
  EXPECT_EQ(tail_a.substr(0, 13), "out\nerr\n==== ") << tail_a;
  EXPECT_EQ(tail_a.substr(tail_a.size() - 8), "\nstdin:.") << tail_a;
  EXPECT_EQ(LogTail(log, b.log_offset(), 1000, 10), "stdin:.");
}

TEST(WorkerProcessTest, LogTailKeepsTheLastLinesAndBytes) {
  std::string log = TempPath("tail.log");
  std::ofstream(log) << "line1\nline2\nline3\nline4\n";
  EXPECT_EQ(LogTail(log, 0, 1000, 2), "line3\nline4");
  EXPECT_EQ(LogTail(log, 6, 1000, 10), "line2\nline3\nline4");
  EXPECT_EQ(LogTail(log, 0, 8, 10), "line4");  // cut inside line3: starts at the next line
  EXPECT_EQ(LogTail(log, 100, 1000, 10), "");
  EXPECT_EQ(LogTail(TempPath("missing.log"), 0, 1000, 10), "");
}

TEST(WorkerProcessTest, LastFatalLine) {
  std::string log = TempPath("fatal.log");
  std::ofstream(log) << "I20261129 07:56:35.1 1 a.cc:1] fine\n"
                        "F20261129 07:56:35.2 1 tensor.h:120] Check failed: x\n"
                        "*** Check failure stack trace: ***\n    @ 0x1 main\n";
  EXPECT_EQ(LastFatalLine(log, 0), "F20261129 07:56:35.2 1 tensor.h:120] Check failed: x");
  EXPECT_EQ(LastFatalLine(log, 36), "F20261129 07:56:35.2 1 tensor.h:120] Check failed: x");
  std::ofstream(log, std::ios::app) << "terminate called after throwing 'x'\nFoo bar\n";
  EXPECT_EQ(LastFatalLine(log, 0), "terminate called after throwing 'x'");
  EXPECT_EQ(LastFatalLine(log, 1000), "");
  EXPECT_EQ(LastFatalLine(TempPath("none.log"), 0), "");
}

TEST(WorkerProcessTest, SignalReachesTheWorkersChildren) {
  std::string log = TempPath("group.log");
  std::string marker = TempPath("grandchild_done");
  // The shell waits for a grandchild; if the signal reached only the shell, the grandchild
  // would live on and write the marker.
  absl::StatusOr<WorkerProcess> w =
      WorkerProcess::Start({"/bin/sh", "-c", "(sleep 1; touch " + marker + ") & wait"}, log);
  ASSERT_TRUE(w.ok());
  absl::SleepFor(absl::Milliseconds(200));
  w->Signal(SIGTERM);
  while (!w->Poll()) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_EQ(DescribeWaitStatus(w->wait_status()), "killed by signal 15 (Terminated)");
  absl::SleepFor(absl::Milliseconds(1500));
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(WorkerProcessTest, ProgramThatCannotRunExits127) {
  std::string log = TempPath("missing.log");
  WorkerProcess w = RunToEnd({"/no/such/program", "x"}, log);
  EXPECT_EQ(DescribeWaitStatus(w.wait_status()), "exited with status 127");
  EXPECT_EQ(LogTail(log, w.log_offset(), 1000, 10),
            "vlmlab sweep: cannot execute /no/such/program: No such file or directory");
  EXPECT_FALSE(WorkerProcess::Start({}, log).ok());
}

TEST(WorkerProcessTest, DescribesSignals) {
  EXPECT_EQ(DescribeWaitStatus(SIGKILL), "killed by signal 9 (Killed)");
  EXPECT_EQ(DescribeWaitStatus(0), "exited with status 0");
}

}  // namespace
}  // namespace vlmlab::sweep
