#include "platform/train/checkpoint.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vlmlab::train {
namespace {

namespace fs = std::filesystem;

std::string TempDir(const std::string& name) {
  std::string d = std::string(getenv("TEST_TMPDIR")) + "/" + name;
  fs::remove_all(d);
  return d;
}

optim::OptimizerState OptState(float v) {
  optim::OptimizerState s;
  s.step = 7;
  s.param_steps["w"] = 7;
  s.tensors["w.exp_avg"] = Tensor::Full({2, 2}, v);
  return s;
}

TEST(Checkpoint, RoundTripAndLatest) {
  std::string dir = TempDir("rt");
  CheckpointState st;
  st.stage_index = 1;
  st.stage_name = "sft";
  st.stage_step = 3;
  st.global_step = 13;
  st.data_position = "{\"consumed\":416}";
  st.spec_hash = "abcdef0123456789";
  st.extra_json = "{\"note\":\"x\"}";
  nn::TensorMap model{{"w", Tensor::FromVector({2, 2}, {1, 2, 3, 4})}};
  ASSERT_TRUE(SaveCheckpoint(dir, st, model, OptState(0.5f)).ok());
  auto ck = LoadLatestCheckpoint(dir);
  ASSERT_TRUE(ck.ok()) << ck.status();
  ASSERT_TRUE(ck->has_value());
  const LoadedCheckpoint& c = **ck;
  EXPECT_EQ(c.state.stage_name, "sft");
  EXPECT_EQ(c.state.stage_index, 1);
  EXPECT_EQ(c.state.global_step, 13);
  EXPECT_EQ(c.state.data_position, st.data_position);
  EXPECT_EQ(c.state.extra_json, st.extra_json);
  EXPECT_EQ(c.model.at("w").ToVector(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(c.optimizer.step, 7);
  EXPECT_EQ(c.optimizer.param_steps.at("w"), 7);
  EXPECT_EQ(c.optimizer.tensors.at("w.exp_avg").ToVector()[3], 0.5f);
}

// The disk fills while a checkpoint is written (simulated in a child process by a file-size
// limit, RLIMIT_FSIZE, which makes writes past 256 KiB fail with EFBIG): the save fails with an
// error, and LATEST still leads to the previous checkpoint, whole.
TEST(Checkpoint, DiskFullDuringASaveLeavesThePreviousCheckpointUsable) {
  const std::string dir = TempDir("disk_full");
  CheckpointState st;
  st.stage_name = "sft";
  st.global_step = 10;
  nn::TensorMap small{{"w", Tensor::FromVector({2, 2}, {1, 2, 3, 4})}};
  ASSERT_TRUE(SaveCheckpoint(dir, st, small, OptState(0.5f)).ok());

  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails instead of killing the process
    rlimit limit{256 << 10, 256 << 10};
    setrlimit(RLIMIT_FSIZE, &limit);
    CheckpointState next = st;
    next.global_step = 20;
    nn::TensorMap big{{"w", Tensor::Full({512, 512}, 7.0f)}};  // 1 MiB of weights
    const absl::Status saved = SaveCheckpoint(dir, next, big, OptState(0.25f));
    _exit(saved.ok() ? 1 : 0);  // 0: the save reported the failure
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "a save onto a full disk reported success";

  auto ck = LoadLatestCheckpoint(dir);
  ASSERT_TRUE(ck.ok()) << ck.status();
  ASSERT_TRUE(ck->has_value());
  EXPECT_EQ((*ck)->state.global_step, 10);
  EXPECT_EQ((*ck)->model.at("w").ToVector(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ((*ck)->optimizer.tensors.at("w.exp_avg").ToVector()[0], 0.5f);
  // With space again, the next save succeeds and becomes the latest.
  st.global_step = 30;
  ASSERT_TRUE(SaveCheckpoint(dir, st, small, OptState(0.5f)).ok());
  ck = LoadLatestCheckpoint(dir);
  ASSERT_TRUE(ck.ok() && ck->has_value());
  EXPECT_EQ((*ck)->state.global_step, 30);
}

TEST(Checkpoint, EmptyDirectoryHasNone) {
  std::string dir = TempDir("none");
  fs::create_directories(dir);
  auto ck = LoadLatestCheckpoint(dir);
  ASSERT_TRUE(ck.ok());
  EXPECT_FALSE(ck->has_value());
}

TEST(Checkpoint, KeepsTheNewestAndIgnoresPartialOnes) {
  std::string dir = TempDir("keep");
  nn::TensorMap model{{"w", Tensor::Full({2}, 1.0f)}};
  for (int step = 1; step <= 4; ++step) {
    CheckpointState st;
    st.global_step = step;
    ASSERT_TRUE(SaveCheckpoint(dir, st, model, OptState(step), /*keep=*/2).ok());
  }
  // A half-written checkpoint from a killed writer must not be picked up.
  fs::create_directories(dir + "/ckpt-00000009.partial");
  int complete = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string n = e.path().filename().string();
    if (n.rfind("ckpt-", 0) == 0 && n.find('.') == std::string::npos) ++complete;
  }
  EXPECT_EQ(complete, 2);
  auto ck = LoadLatestCheckpoint(dir);
  ASSERT_TRUE(ck.ok());
  EXPECT_EQ((*ck)->state.global_step, 4);
  EXPECT_EQ((*ck)->optimizer.tensors.at("w.exp_avg").ToVector()[0], 4.0f);
}

TEST(Checkpoint, DamagedCheckpointIsAnErrorNamingTheFile) {
  std::string dir = TempDir("damaged");
  CheckpointState st;
  st.global_step = 2;
  ASSERT_TRUE(SaveCheckpoint(dir, st, {{"w", Tensor::Full({2}, 1.0f)}}, OptState(1)).ok());
  std::ofstream(dir + "/ckpt-00000002/state.json") << "{not json";
  auto ck = LoadLatestCheckpoint(dir);
  ASSERT_FALSE(ck.ok());
  EXPECT_THAT(ck.status().message(), ::testing::HasSubstr("state.json")) << ck.status();
  std::ofstream(dir + "/LATEST") << "ckpt-00000099\n";
  ck = LoadLatestCheckpoint(dir);
  ASSERT_FALSE(ck.ok());
  EXPECT_THAT(ck.status().message(), ::testing::HasSubstr("does not exist")) << ck.status();
}

TEST(Checkpoint, UnwritableDirectoryFailsUpFront) {
  std::string file = TempDir("a_file");
  std::ofstream(file) << "x";
  absl::Status st = SaveCheckpoint(file + "/sub", CheckpointState(),
                                   {{"w", Tensor::Full({2}, 1.0f)}}, OptState(1));
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), ::testing::HasSubstr("runtime.output_dir")) << st;
}

}  // namespace
}  // namespace vlmlab::train
