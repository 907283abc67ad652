// Shared by the integration tests that check a resume: a run killed (SIGKILL, in a child
// process) at a chosen checkpoint and resumed must end exactly as the uninterrupted run.
//
//   train::CheckpointState killed_at;
//   ExpectResumeAfterKillEqualsUninterrupted(InDir(e, TmpDir("x")), {"ckpt-00000002"},
//                                            &killed_at);
#ifndef VLMLAB_TESTS_RESUME_TESTING_H_
#define VLMLAB_TESTS_RESUME_TESTING_H_

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "platform/registry/global_registries.h"
#include "platform/runner/run_experiment.h"
#include "platform/store/store.h"
#include "platform/train/checkpoint.h"
#include "tests/runner_testing.h"
#include "tests/test_files.h"

namespace vlmlab {

// Runs `e` as run "a" uninterrupted, then as run "b" in a child process killed (SIGKILL) once
// LATEST names one of `kill_at`; runs "b" again (its dead worker is detected, and without
// --resume the checkpoints are refused), resumes it and expects weights, metrics and
// every predictions file identical to "a". The checkpoint "b" was killed after is
// returned through `*killed_at` for the caller's own checks.
inline void ExpectResumeAfterKillEqualsUninterrupted(const Experiment& e,
                                              const std::vector<std::string>& kill_at,
                                              train::CheckpointState* killed_at) {
  runner::RunOptions a;
  a.run_id = "a";
  absl::StatusOr<runner::RunOutcome> ra = runner::RunExperiment(e, a, GlobalRegistries());
  ASSERT_TRUE(ra.ok()) << ra.status();

  runner::RunOptions b;
  b.run_id = "b";
  const std::string ckpt_dir = e.runtime().output_dir() + "/b/checkpoints";
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    absl::StatusOr<runner::RunOutcome> rb = runner::RunExperiment(e, b, GlobalRegistries());
    _exit(rb.ok() ? 0 : 1);
  }
  std::string latest;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  bool reached = false;
  while (!reached && std::chrono::steady_clock::now() < deadline) {
    latest = ReadText(ckpt_dir + "/LATEST");
    for (const std::string& name : kill_at) reached = reached || absl::StrContains(latest, name);
    if (reached) break;
    int status = 0;
    if (waitpid(child, &status, WNOHANG) == child) {
      child = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  ASSERT_GT(child, 0) << "the child finished before it could be killed; LATEST=" << latest;
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));

  {
    absl::StatusOr<std::optional<train::LoadedCheckpoint>> ck =
        train::LoadLatestCheckpoint(ckpt_dir);
    ASSERT_TRUE(ck.ok()) << ck.status();
    ASSERT_TRUE(ck->has_value());
    *killed_at = (*ck)->state;
  }
  {
    // The store still says the killed worker runs it; nothing resets it by hand.
    std::unique_ptr<store::Store> db = OpenStore(e);
    absl::StatusOr<store::RunRecord> run = db->GetRun("b");
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_EQ(run->status, store::RunStatus::kRunning);
  }
  // The dead worker is detected and the run taken over; without --resume the checkpoints are
  // not silently reused.
  absl::StatusOr<runner::RunOutcome> refused = runner::RunExperiment(e, b, GlobalRegistries());
  ASSERT_FALSE(refused.ok());
  EXPECT_CONTAINS(refused.status().message(), "--resume");
  b.resume = true;
  absl::StatusOr<runner::RunOutcome> rb = runner::RunExperiment(e, b, GlobalRegistries());
  ASSERT_TRUE(rb.ok()) << rb.status();

  std::map<std::string, Tensor> wa = LatestModel(ra->run_dir), wb = LatestModel(rb->run_dir);
  ASSERT_EQ(wa.size(), wb.size());
  EXPECT_TRUE(Differing(wa, wb, "").empty()) << Differing(wa, wb, "")[0];
  ASSERT_EQ(ra->metrics.size(), rb->metrics.size());
  for (const auto& [key, m] : ra->metrics) {
    ASSERT_TRUE(rb->metrics.count(key)) << key;
    EXPECT_EQ(m.value, rb->metrics.at(key).value) << key;
    EXPECT_EQ(m.ci_low, rb->metrics.at(key).ci_low) << key;
    EXPECT_EQ(m.ci_high, rb->metrics.at(key).ci_high) << key;
  }
  // Every evaluator's predictions file, byte for byte.
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(ra->run_dir + "/predictions", ec)) {
    const std::string name = f.path().filename().string();
    EXPECT_EQ(ReadText(f.path().string()), ReadText(rb->run_dir + "/predictions/" + name))
        << name;
  }
}

}  // namespace vlmlab

#endif  // VLMLAB_TESTS_RESUME_TESTING_H_
