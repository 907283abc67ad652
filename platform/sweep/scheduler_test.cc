// The scheduler against a real SQLite store with fake workers: concurrency, failures of every
// kind recorded while the sweep goes on, resumption, stale and busy runs, interruption.
#include "platform/sweep/scheduler.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/store/worker_identity.h"
#include "platform/sweep/run_lock.h"
#include "platform/sweep/sweep_testing.h"
#include "platform/sweep/worker_process.h"

namespace vlmlab::sweep {
namespace {

using store::RunStatus;

SweepSummary MustRun(SweepFixture& f, const std::vector<WorkerCommand>& cmds,
                     SchedulerOptions o = {}) {
  absl::StatusOr<SweepSummary> s = RunWorkers(f.db(), cmds, o);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : SweepSummary{};
}

TEST(SchedulerTest, RunsEveryRunAndLogsItsOutput) {
  SweepFixture f("all_complete", 3);
  std::vector<WorkerCommand> cmds;
  for (int i = 0; i < 3; ++i) cmds.push_back(f.Command(i, {"complete"}));
  std::ostringstream progress;
  SweepSummary s = MustRun(f, cmds, {.workers = 2, .progress = &progress});
  ASSERT_EQ(s.runs.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(s.runs[i].outcome, RunOutcome::kCompleted) << s.runs[i].detail;
    EXPECT_EQ(f.Status(i), RunStatus::kCompleted);
    std::string log = f.Log(i);
    EXPECT_EQ(CountOf(log, "vlmlab sweep starts: "), 1) << log;
    EXPECT_EQ(CountOf(log, "fake_worker: running r" + std::to_string(i)), 1) << log;
  }
  EXPECT_EQ(s.CountsLine(), "3 completed");
  EXPECT_FALSE(s.interrupted);
  EXPECT_EQ(CountOf(progress.str(), ": started, pid "), 3) << progress.str();
  EXPECT_EQ(CountOf(progress.str(), ": completed in "), 3) << progress.str();
}

// With status_every, the progress shows each active run's stage, step, loss and ETA (from the
// store's loss scalars) and the sweep's ETA.
TEST(SchedulerTest, StatusLinesShowEachActiveRunAndTheSweepEta) {
  SweepFixture f("status", 2);
  std::vector<WorkerCommand> cmds;
  for (int i = 0; i < 2; ++i) {
    WorkerCommand c = f.Command(i, {"steps", "30"});
    c.stages = {{"train", 30}};
    cmds.push_back(c);
  }
  std::ostringstream progress;
  SweepSummary s = MustRun(
      f, cmds, {.workers = 1, .progress = &progress, .status_every = absl::Milliseconds(300)});
  EXPECT_EQ(s.CountsLine(), "2 completed");
  const std::string out = progress.str();
  EXPECT_GE(CountOf(out, "/30 (run "), 2) << out;
  EXPECT_GE(CountOf(out, "sweep: 1 running, 1 waiting, ETA "), 1) << out;
  EXPECT_GE(CountOf(out, "sweep: 1 running, 0 waiting, ETA "), 1) << out;
  EXPECT_EQ(CountOf(out, "ETA unknown"), CountOf(out, "starting (")) << out;
}

// Each worker registers itself in a directory, records how many are registered, sleeps, and
// leaves: the largest count is the largest number of workers alive at once.
int MaxConcurrency(int workers, int runs, const std::string& name) {
  SweepFixture f(name, runs);
  std::string live = f.Path("live");
  std::string counts = f.Path("counts");
  std::filesystem::create_directories(live);
  std::vector<WorkerCommand> cmds;
  for (int i = 0; i < runs; ++i) {
    cmds.push_back(f.Shell(i, "touch " + live + "/$2; ls " + live + " | wc -l >> " + counts +
                                  "; sleep 0.4; rm " + live +
                                  "/$2; exec \"$3\" \"$1\" \"$2\" "
                                  "complete"));
  }
  SweepSummary s = MustRun(f, cmds, {.workers = workers});
  EXPECT_EQ(s.Count(RunOutcome::kCompleted), runs) << s.CountsLine();
  std::ifstream in(counts);
  int max = 0, lines = 0;
  for (int c; in >> c; ++lines) max = std::max(max, c);
  EXPECT_EQ(lines, runs);
  return max;
}

TEST(SchedulerTest, RunsExactlyNWorkersAtOnce) {
  EXPECT_EQ(MaxConcurrency(3, 6, "concurrency3"), 3);
  EXPECT_EQ(MaxConcurrency(1, 2, "concurrency1"), 1);
}

TEST(SchedulerTest, RecordsEveryKindOfFailureAndGoesOn) {
  SweepFixture f("failures", 6);
  std::vector<WorkerCommand> cmds = {
      f.Command(0, {"fail", "loss diverged at step 7"}),
      f.Command(1, {"exit", "3"}),
      f.Command(2, {"crash"}),
      f.Command(3, {"noclaim", "4"}),
      f.Command(4, {"complete"}),
      f.Command(5, {"fatal"}),
  };
  SweepSummary s = MustRun(f, cmds, {.workers = 2});
  // The fatal line survives a stack trace longer than the tail.
  EXPECT_EQ(s.runs[5].outcome, RunOutcome::kFailed);
  EXPECT_NE(f.Error(5).find(":\nF20261129 07:56:35.230543 1 tensor.h:120] Check failed: "
                            "impl_ != nullptr\n...\n"),
            std::string::npos)
      << f.Error(5);
  EXPECT_THAT(f.Error(5), ::testing::HasSubstr("frame39()"));
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(s.runs[i].outcome, RunOutcome::kFailed) << i;
    EXPECT_EQ(f.Status(i), RunStatus::kFailed) << i;
    EXPECT_EQ(s.runs[i].detail, f.Error(i)) << i;
  }
  EXPECT_EQ(s.runs[4].outcome, RunOutcome::kCompleted);
  EXPECT_EQ(f.Status(4), RunStatus::kCompleted);
  // The worker's own message.
  EXPECT_EQ(f.Error(0), "loss diverged at step 7");
  // Crashes without a word: exit status or signal, and the end of the log.
  EXPECT_THAT(f.Error(1), ::testing::HasSubstr("worker exited with status 3 without recording"))
      << f.Error(1);
  EXPECT_THAT(f.Error(1), ::testing::HasSubstr("fake_worker: something went wrong"));
  EXPECT_NE(f.Error(1).find(f.RunDir(1) + "/log.txt"), std::string::npos);
  EXPECT_THAT(f.Error(2), ::testing::HasSubstr("killed by signal 6")) << f.Error(2);
  EXPECT_THAT(f.Error(2), ::testing::HasSubstr("fake_worker: about to crash"));
  // Never claimed: the scheduler claims it to record the failure.
  EXPECT_THAT(f.Error(3), ::testing::HasSubstr("exited with status 4")) << f.Error(3);
  EXPECT_THAT(f.Error(3), ::testing::HasSubstr("fake_worker: refusing to start"));
  // The log tail is this attempt's output only, without the sweep's header line.
  EXPECT_EQ(f.Error(3).find("vlmlab sweep starts"), std::string::npos) << f.Error(3);
  EXPECT_EQ(s.CountsLine(), "1 completed, 5 failed");
}

TEST(SchedulerTest, ResumeSkipsCompletedRunsAndRetriesFailedOnes) {
  SweepFixture f("resume", 3);
  SweepSummary first = MustRun(
      f, {f.Command(0, {"complete"}), f.Command(1, {"complete"}), f.Command(2, {"exit", "1"})},
      {.workers = 2});
  EXPECT_EQ(first.CountsLine(), "2 completed, 1 failed");
  std::vector<WorkerCommand> again;
  for (int i = 0; i < 3; ++i) again.push_back(f.Command(i, {"complete"}));
  SweepSummary second = MustRun(f, again, {.workers = 2});
  EXPECT_EQ(second.runs[0].outcome, RunOutcome::kAlreadyCompleted);
  EXPECT_EQ(second.runs[1].outcome, RunOutcome::kAlreadyCompleted);
  EXPECT_EQ(second.runs[2].outcome, RunOutcome::kCompleted);
  EXPECT_EQ(f.Status(2), RunStatus::kCompleted);
  // Completed runs were not launched again; the failed one twice.
  EXPECT_EQ(CountOf(f.Log(0), "vlmlab sweep starts"), 1);
  EXPECT_EQ(CountOf(f.Log(2), "vlmlab sweep starts"), 2);
  EXPECT_EQ(second.CountsLine(), "1 completed, 2 skipped (already completed)");
}

TEST(SchedulerTest, ResetsRunsWhoseWorkerIsGoneAndSkipsLiveOnes) {
  SweepFixture f("stale", 3);
  // r0: claimed by a worker that exited without finishing (a killed sweep's worker).
  absl::StatusOr<WorkerProcess> w =
      WorkerProcess::Start(f.Command(0, {"claim"}).argv, f.Path("claim.log"));
  ASSERT_TRUE(w.ok()) << w.status();
  while (!w->Poll()) absl::SleepFor(absl::Milliseconds(10));
  ASSERT_EQ(f.Status(0), RunStatus::kRunning);
  // r1: claimed by this (live) process.
  ASSERT_TRUE(*f.db().ClaimRun(SweepFixture::RunId(1)));
  // r2: its lock held by this process (another sweep working on it).
  absl::StatusOr<std::optional<RunLock>> held = RunLock::TryAcquire(f.RunDir(2) + "/sweep.lock");
  ASSERT_TRUE(held.ok() && held->has_value());
  ASSERT_TRUE((*held)->WriteOwner(4242).ok());

  std::ostringstream progress;
  SweepSummary s = MustRun(
      f, {f.Command(0, {"complete"}), f.Command(1, {"complete"}), f.Command(2, {"complete"})},
      {.workers = 3, .progress = &progress});
  EXPECT_EQ(s.runs[0].outcome, RunOutcome::kCompleted);
  EXPECT_EQ(f.Status(0), RunStatus::kCompleted);
  EXPECT_THAT(progress.str(), ::testing::HasSubstr("which is gone; reset to pending"))
      << progress.str();
  EXPECT_EQ(s.runs[1].outcome, RunOutcome::kBusy);
  EXPECT_NE(s.runs[1].detail.find(":" + std::to_string(getpid())), std::string::npos)
      << s.runs[1].detail;
  EXPECT_EQ(f.Status(1), RunStatus::kRunning);
  EXPECT_EQ(s.runs[2].outcome, RunOutcome::kBusy);
  EXPECT_THAT(s.runs[2].detail, ::testing::HasSubstr("(worker pid 4242)")) << s.runs[2].detail;
  EXPECT_EQ(f.Status(2), RunStatus::kPending);
  EXPECT_EQ(f.Log(1), "");  // never launched
  EXPECT_EQ(f.Log(2), "");
}

TEST(SchedulerTest, AZombieWorkerIsGone) {
  SweepFixture f("zombie", 1);
  // A child claims the run and exits; it stays a zombie (not reaped) while the sweep runs.
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto db = store::OpenStore(f.url());
    _exit(db.ok() && (*db)->ClaimRun(SweepFixture::RunId(0)).value_or(false) ? 0 : 1);
  }
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (f.Status(0) != RunStatus::kRunning && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  absl::SleepFor(absl::Milliseconds(100));  // let it exit
  ASSERT_EQ(f.Status(0), RunStatus::kRunning);
  ASSERT_EQ(kill(child, 0), 0);  // still there, as a zombie
  SweepSummary s = MustRun(f, {f.Command(0, {"complete"})});
  EXPECT_EQ(s.runs[0].outcome, RunOutcome::kCompleted) << s.runs[0].detail;
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_EQ(DescribeWaitStatus(status), "exited with status 0");
}

TEST(SchedulerTest, InterruptStopsLaunchingForwardsTheSignalAndRerunResumes) {
  SweepFixture f("interrupt", 4);
  std::vector<WorkerCommand> slow;
  for (int i = 0; i < 4; ++i) slow.push_back(f.Command(i, {"sleep", "60"}));
  std::atomic<int> stop{0};
  std::thread interrupter([&] {
    auto db = store::OpenStore(f.url());
    ASSERT_TRUE(db.ok());
    absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (absl::Now() < deadline) {
      auto runs = (*db)->ListRuns("s1");
      int running = 0;
      for (const auto& r : *runs) running += r.status == RunStatus::kRunning;
      if (running == 2) break;
      absl::SleepFor(absl::Milliseconds(10));
    }
    stop = SIGTERM;
  });
  absl::Time start = absl::Now();
  SweepSummary s = MustRun(f, slow, {.workers = 2, .stop_signal = &stop});
  interrupter.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));  // the sleeping workers were stopped
  EXPECT_TRUE(s.interrupted);
  EXPECT_EQ(s.runs[0].outcome, RunOutcome::kInterrupted);
  EXPECT_EQ(s.runs[1].outcome, RunOutcome::kInterrupted);
  EXPECT_THAT(s.runs[0].detail, ::testing::HasSubstr("signal 15")) << s.runs[0].detail;
  EXPECT_EQ(s.runs[2].outcome, RunOutcome::kNotStarted);
  EXPECT_EQ(s.runs[3].outcome, RunOutcome::kNotStarted);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(f.Status(i), RunStatus::kPending) << i;

  std::vector<WorkerCommand> quick;
  for (int i = 0; i < 4; ++i) quick.push_back(f.Command(i, {"complete"}));
  SweepSummary again = MustRun(f, quick, {.workers = 2});
  EXPECT_EQ(again.CountsLine(), "4 completed");
  EXPECT_EQ(CountOf(f.Log(0), "vlmlab sweep starts"), 2);
}

TEST(SchedulerTest, LimitLaunchesAtMostKRuns) {
  SweepFixture f("limit", 4);
  std::vector<WorkerCommand> cmds;
  for (int i = 0; i < 4; ++i) cmds.push_back(f.Command(i, {"complete"}));
  SweepSummary s = MustRun(f, cmds, {.workers = 3, .limit = 2});
  EXPECT_EQ(s.CountsLine(), "2 completed, 2 not started");
  EXPECT_EQ(f.Status(2), RunStatus::kPending);
  // Skipped runs do not count against the limit.
  SweepSummary next = MustRun(f, cmds, {.workers = 1, .limit = 1});
  EXPECT_EQ(next.CountsLine(), "1 completed, 2 skipped (already completed), 1 not started");
  // --limit 0 starts nothing but still tells what would be skipped.
  SweepSummary none = MustRun(f, cmds, {.limit = 0});
  EXPECT_EQ(none.CountsLine(), "3 skipped (already completed), 1 not started");
  EXPECT_EQ(none.runs[3].outcome, RunOutcome::kNotStarted);
}

TEST(SchedulerTest, UnknownProgramIsAFailedRun) {
  SweepFixture f("no_program", 1);
  WorkerCommand c = f.Command(0, {"complete"});
  c.argv[0] = f.Path("no_such_binary");
  SweepSummary s = MustRun(f, {c});
  EXPECT_EQ(s.runs[0].outcome, RunOutcome::kFailed);
  EXPECT_THAT(f.Error(0), ::testing::HasSubstr("exited with status 127")) << f.Error(0);
  EXPECT_NE(f.Error(0).find("cannot execute " + f.Path("no_such_binary")), std::string::npos)
      << f.Error(0);
}

TEST(SchedulerTest, RejectsBadArguments) {
  SweepFixture f("bad_args", 1);
  EXPECT_EQ(RunWorkers(f.db(), {f.Command(0, {"complete"})}, {.workers = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::Status dup =
      RunWorkers(f.db(), {f.Command(0, {"complete"}), f.Command(0, {"complete"})}, {}).status();
  EXPECT_THAT(dup.message(), ::testing::HasSubstr("'r0' appears twice")) << dup;
}

TEST(SchedulerTest, LocalWorkerPid) {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  EXPECT_EQ(store::LocalWorkerPid(std::string(host) + ":123"), 123);
  EXPECT_EQ(store::LocalWorkerPid("some-other-host-xyz:123"), -1);
  EXPECT_EQ(store::LocalWorkerPid(std::string(host) + ":x"), -1);
  EXPECT_EQ(store::LocalWorkerPid(""), -1);
}

}  // namespace
}  // namespace vlmlab::sweep
