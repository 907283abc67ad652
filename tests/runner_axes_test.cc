// Integration tests of the spec axes a run's stages turn (platform/runner/run_experiment.h), on
// the tiny experiment: image splitting in training and evaluation, a part's initial weights
// from another run, DPO after SFT, the stage batch size and runtime threads, bf16 against f32.
// A run's life cycle (completion, resume, failures) is in runner_test.cc.
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "kernels/cpu/threads.h"
#include "nlohmann/json.hpp"
#include "platform/eval/eval_batches.h"
#include "platform/eval/trained_model.h"
#include "platform/model/vlm_model.h"
#include "platform/ops/matmul_ops.h"
#include "platform/registry/global_registries.h"
#include "platform/runner/run_experiment.h"
#include "platform/store/store.h"
#include "tests/runner_testing.h"
#include "tests/test_files.h"

namespace vlmlab {
namespace {

namespace fs = std::filesystem;

// The tiny experiment on 32 px pictures (the encoder takes 16 px), one short caption stage,
// with or without image splitting in that stage.
Experiment SplitOrWhole(bool split, const std::string& dir) {
  Experiment e = InDir(Tiny(), dir);
  e.mutable_model()->mutable_llm()->mutable_llama()->set_max_seq_len(256);
  for (DataMixture& d : *e.mutable_data()) {
    d.mutable_components(0)->mutable_dataset()->mutable_synthetic()->set_image_size(32);
  }
  e.mutable_stages()->DeleteSubrange(1, 1);
  StageSpec& stage = *e.mutable_stages(0);
  stage.set_steps(2);
  if (split) {
    stage.set_image_splitting(true);
    stage.set_max_tiles_per_side(2);
  }
  e.mutable_evaluators(0)->set_max_examples(4);
  return e;
}

TEST_F(RunnerTest, ImageSplittingReachesTrainingAndEvaluation) {
  const std::string dir = TmpDir("splitting");
  Experiment whole = SplitOrWhole(false, dir + "/whole"),
             split = SplitOrWhole(true, dir + "/split");
  runner::RunOptions o;
  o.run_id = "r";
  absl::StatusOr<runner::RunOutcome> rw = runner::RunExperiment(whole, o, GlobalRegistries());
  ASSERT_TRUE(rw.ok()) << rw.status();
  absl::StatusOr<runner::RunOutcome> rs = runner::RunExperiment(split, o, GlobalRegistries());
  ASSERT_TRUE(rs.ok()) << rs.status();
  // Training saw 2 x 2 tiles plus a global view per picture: about five times the encoder
  // work and longer sequences, so more training FLOPs for the same steps and batch.
  absl::StatusOr<store::RunRecord> cw = OpenStore(whole)->GetRun("r");
  absl::StatusOr<store::RunRecord> cs = OpenStore(split)->GetRun("r");
  ASSERT_TRUE(cw.ok() && cs.ok());
  ASSERT_TRUE(cw->cost.train_flops.has_value() && cs->cost.train_flops.has_value());
  EXPECT_GT(*cs->cost.train_flops, 2.0 * *cw->cost.train_flops);
  // Evaluation prepares images as the checkpoint's stage did.
  absl::StatusOr<eval::ModelWeights> w = eval::ReadModelWeights(rs->run_dir + "/checkpoints");
  ASSERT_TRUE(w.ok()) << w.status();
  absl::StatusOr<std::unique_ptr<VlmModel>> m =
      eval::LoadTrainedModel(split, *w, GlobalRegistries());
  ASSERT_TRUE(m.ok()) << m.status();
  absl::StatusOr<data::ImagePreprocessOptions> io = eval::ImageOptionsForModel(**m);
  ASSERT_TRUE(io.ok()) << io.status();
  EXPECT_EQ(io->max_tiles_per_side, 2);
  EXPECT_EQ(io->size, 16);
  m = eval::LoadTrainedModel(whole, *w, GlobalRegistries());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(eval::ImageOptionsForModel(**m)->max_tiles_per_side, 0);
}

TEST_F(RunnerTest, AnEncoderInitialisedFromAnotherRunsCheckpoint) {
  const std::string dir = TmpDir("init");
  // The source run trains everything for a few steps.
  Experiment source = InDir(Tiny(), dir + "/source");
  source.clear_evaluators();
  source.mutable_stages()->DeleteSubrange(1, 1);
  source.mutable_stages(0)->set_steps(3);
  runner::RunOptions o;
  o.run_id = "src";
  absl::StatusOr<runner::RunOutcome> rs = runner::RunExperiment(source, o, GlobalRegistries());
  ASSERT_TRUE(rs.ok()) << rs.status();
  std::string latest = ReadText(rs->run_dir + "/checkpoints/LATEST");
  latest.erase(latest.find_last_not_of(" \n") + 1);
  const std::string file = rs->run_dir + "/checkpoints/" + latest + "/model.safetensors";

  // The VLM run starts its encoder from the source's and keeps it frozen.
  Experiment vlm = InDir(Tiny(), dir + "/vlm");
  vlm.clear_evaluators();
  ModuleInit* init = vlm.mutable_model()->mutable_encoder()->mutable_init();
  init->set_path(file);
  init->set_prefix("encoder.");
  for (StageSpec& st : *vlm.mutable_stages()) {
    st.mutable_trainable()->mutable_encoder()->set_mode(ModuleTraining::FROZEN);
  }
  o.run_id = "vlm";
  absl::StatusOr<runner::RunOutcome> rv = runner::RunExperiment(vlm, o, GlobalRegistries());
  ASSERT_TRUE(rv.ok()) << rv.status();
  std::map<std::string, Tensor> src = LatestModel(rs->run_dir), out = LatestModel(rv->run_dir);
  EXPECT_TRUE(Differing(src, out, "encoder.").empty()) << Differing(src, out, "encoder.")[0];
  // Control: without the init the frozen encoder keeps its own seeded values.
  vlm.mutable_model()->mutable_encoder()->clear_init();
  vlm = InDir(vlm, dir + "/plain");
  absl::StatusOr<runner::RunOutcome> rp = runner::RunExperiment(vlm, o, GlobalRegistries());
  ASSERT_TRUE(rp.ok()) << rp.status();
  EXPECT_FALSE(Differing(src, LatestModel(rp->run_dir), "encoder.").empty());
}

// Pre-training, SFT and then (with `dpo`) DPO on the synthetic world's preference pairs, scored
// by the preference evaluator on held-out (VAL) pairs.
Experiment PreferenceRun(bool dpo, const std::string& dir) {
  Experiment e = InDir(Tiny(), dir);
  for (const char* split : {"TRAIN", "VAL"}) {
    DataMixture* d = e.add_data();
    CHECK(google::protobuf::TextFormat::ParseFromString(
        absl::StrCat("name: \"prefs_", split,
                     "\" components { dataset { synthetic { tasks: "
                     "PREFERENCE split: ",
                     split,
                     " image_size: 16 num_images: 200 "
                     "max_objects: 2 } } }"),
        d));
  }
  e.mutable_stages(0)->set_steps(300);
  e.mutable_stages(0)->set_log_every(100);
  e.mutable_stages(1)->set_steps(60);
  e.mutable_stages(1)->set_log_every(20);
  if (dpo) {
    CHECK(google::protobuf::TextFormat::ParseFromString(
        R"pb(name: "dpo"
             dpo { beta: 0.5 }
             steps: 120
             batch_size: 8
             mixture: "prefs_TRAIN"
             optimizer { lr: 2e-3 }
             log_every: 10)pb",
        e.add_stages()));
  }
  e.clear_evaluators();
  CHECK(google::protobuf::TextFormat::ParseFromString(
      R"pb(name: "pref"
           preference {}
           data: "prefs_VAL"
           max_examples: 128
           batch_size: 16
           bootstrap_samples: 200)pb",
      e.add_evaluators()));
  return e;
}

TEST_F(RunnerTest, DpoRaisesHeldOutPreferenceAccuracyAndMargin) {
  const std::string dir = TmpDir("dpo");
  runner::RunOptions o;
  o.run_id = "r";
  absl::StatusOr<runner::RunOutcome> before =
      runner::RunExperiment(PreferenceRun(false, dir + "/before"), o, GlobalRegistries());
  ASSERT_TRUE(before.ok()) << before.status();
  absl::StatusOr<runner::RunOutcome> after =
      runner::RunExperiment(PreferenceRun(true, dir + "/after"), o, GlobalRegistries());
  ASSERT_TRUE(after.ok()) << after.status();
  const MetricValue acc0 = before->metrics.at("pref/accuracy"),
                    acc1 = after->metrics.at("pref/accuracy");
  const MetricValue m0 = before->metrics.at("pref/margin"), m1 = after->metrics.at("pref/margin");
  LOG(INFO) << "held-out preference accuracy " << acc0.value << " -> " << acc1.value << ", margin "
            << m0.value << " -> " << m1.value << " nats";
  EXPECT_GT(acc1.value, acc0.value);
  EXPECT_GT(m1.value, m0.value);
  // DPO's own held-out statistics, pair by pair: with the model before DPO as the reference
  // (it is DPO's reference), the implicit reward margin of pair i is
  // beta * ((lc - lr) after - (lc - lr) before); its accuracy is the share of positive ones.
  auto margins = [](const std::string& run_dir) {
    std::map<std::string, double> out;
    std::istringstream lines(ReadText(run_dir + "/predictions/pref.jsonl"));
    for (std::string line; std::getline(lines, line);) {
      nlohmann::json j = nlohmann::json::parse(line);
      out[j["key"].get<std::string>()] =
          j["logp_chosen"].get<double>() - j["logp_rejected"].get<double>();
    }
    return out;
  };
  std::map<std::string, double> m_before = margins(before->run_dir),
                                m_after = margins(after->run_dir);
  ASSERT_EQ(m_before.size(), 128u);
  std::vector<double> reward;
  for (const auto& [key, d] : m_before) reward.push_back(0.5 * (m_after.at(key) - d));
  double mean = 0, var = 0, positive = 0;
  for (double r : reward) {
    mean += r / reward.size();
    positive += r > 0;
  }
  for (double r : reward) var += (r - mean) * (r - mean) / (reward.size() - 1);
  LOG(INFO) << "held-out DPO reward accuracy " << positive / reward.size() << ", reward margin "
            << mean << " (sd " << std::sqrt(var) << ")";
  EXPECT_GT(positive / reward.size(), 0.55);
  EXPECT_GT(mean, 3 * std::sqrt(var / reward.size()));  // beyond three standard errors
}

TEST_F(RunnerTest, StageBatchSizeAndRuntimeThreadsTakeEffect) {
  // One 3-step stage at batch 2 on 2 threads, then at batch 4 on 1 thread: twice the samples
  // (so about twice the training FLOPs), and the kernels run on the runtime's thread count.
  auto run = [&](int batch, int threads, const std::string& name) {
    Experiment e = InDir(Tiny(), TmpDir("batch_" + name));
    e.clear_evaluators();
    e.mutable_stages()->DeleteSubrange(1, 1);
    e.mutable_stages(0)->set_steps(3);
    e.mutable_stages(0)->set_batch_size(batch);
    e.mutable_runtime()->set_threads(threads);
    runner::RunOptions o;
    o.run_id = name;
    absl::StatusOr<runner::RunOutcome> r = runner::RunExperiment(e, o, GlobalRegistries());
    CHECK(r.ok()) << r.status();
    EXPECT_EQ(CpuThreads(), threads) << name;
    absl::StatusOr<store::RunRecord> rec = OpenStore(e)->GetRun(name);
    CHECK(rec.ok() && rec->cost.train_flops.has_value());
    return *rec->cost.train_flops;
  };
  const double small = run(2, 2, "b2"), large = run(4, 1, "b4");
  EXPECT_GT(large / small, 1.6);
  EXPECT_LT(large / small, 2.4);
}

TEST_F(RunnerTest, Bf16TrainingTracksF32) {
  if (!ops::HasFastBf16Matmul(DeviceType::kCpu)) {
    GTEST_SKIP() << "this CPU has no native bf16 matmul (avx512_bf16): a BF16 run is refused "
                    "here (tests/cli_test.sh checks the refusal)";
  }
  // 200 caption steps of the tiny model in f32 and in bf16 (matmul inputs rounded to bf16,
  // f32 accumulation and master weights): the loss curves agree within a few percent and are
  // not identical (bf16 really ran).
  auto losses = [&](Runtime::DType dtype, const std::string& name) {
    Experiment e = InDir(Tiny(), TmpDir("bf16_" + name));
    e.clear_evaluators();
    e.mutable_stages()->DeleteSubrange(1, 1);
    e.mutable_stages(0)->set_steps(200);
    e.mutable_stages(0)->set_log_every(10);
    e.mutable_runtime()->set_dtype(dtype);
    runner::RunOptions o;
    o.run_id = name;
    absl::StatusOr<runner::RunOutcome> r = runner::RunExperiment(e, o, GlobalRegistries());
    CHECK(r.ok()) << r.status();
    absl::StatusOr<std::vector<store::ScalarPoint>> points =
        OpenStore(e)->Scalars({name}, {"loss"});
    CHECK(points.ok()) << points.status();
    std::vector<double> out;
    for (const store::ScalarPoint& p : *points) out.push_back(p.value);
    return out;
  };
  const std::vector<double> f32 = losses(Runtime::F32, "f32"), bf16 = losses(Runtime::BF16, "bf16");
  ASSERT_EQ(f32.size(), 20u);
  ASSERT_EQ(bf16.size(), f32.size());
  double worst = 0;
  bool differ = false;
  for (size_t i = 0; i < f32.size(); ++i) {
    worst = std::max(worst, std::fabs(bf16[i] - f32[i]) / f32[i]);
    differ = differ || bf16[i] != f32[i];
  }
  LOG(INFO) << "bf16 vs f32 loss over 200 steps: largest relative difference " << worst
            << " (final " << f32.back() << " vs " << bf16.back() << ")";
  EXPECT_TRUE(differ);
  EXPECT_LT(worst, 0.05);
  EXPECT_LT(f32.back(), f32.front());  // it trained
}

}  // namespace
}  // namespace vlmlab
