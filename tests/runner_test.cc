// Integration tests of `vlmlab run` (platform/runner/run_experiment.h) on a tiny experiment:
// a complete run and what it records, resume after a kill equal to an uninterrupted run,
// frozen modules, stage hand-off, the NaN guard and an unwritable output directory.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/match.h"
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
#include "platform/spec/canonical.h"
#include "platform/store/store.h"
#include "platform/train/checkpoint.h"
#include "platform/weights/safetensors.h"
#include "tests/test_files.h"
#include "tests/tiny_experiment.h"

namespace vlmlab {
namespace {

namespace fs = std::filesystem;

// Appended to TinyModelAndData (tests/tiny_experiment.h).
constexpr char kTinyStages[] = R"pb(
  name: "tiny"
  seed: 3
  stages {
    name: "captions"
    pretrain {}
    steps: 6
    batch_size: 4
    mixture: "captions"
    optimizer { lr: 3e-3 }
    schedule { kind: COSINE warmup_steps: 1 }
    log_every: 2
  }
  stages {
    name: "vqa"
    sft {}
    steps: 3
    batch_size: 4
    mixture: "vqa_train"
    optimizer { lr: 2e-3 }
    log_every: 1
  }
  evaluators {
    name: "vqa"
    vqa_accuracy { prompt: "{question}" }
    data: "vqa_val"
    baseline_data: "vqa_train"
    max_examples: 8
    bootstrap_samples: 50
    generation { max_new_tokens: 4 }
    batch_size: 8
  }
  runtime { backend: CPU threads: 1 }
)pb";

Experiment Tiny() {
  Experiment e;
  CHECK(google::protobuf::TextFormat::ParseFromString(TinyModelAndData(200) + kTinyStages, &e));
  return e;
}

std::string TmpDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  fs::path p = fs::path(tmp ? tmp : "/tmp") / "runner_test" / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

// Points the experiment's runtime at a fresh directory under TEST_TMPDIR.
Experiment InDir(Experiment e, const std::string& dir) {
  e.mutable_runtime()->set_output_dir(dir + "/runs");
  e.mutable_runtime()->set_store(dir + "/store.sqlite");
  return e;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::unique_ptr<store::Store> OpenStore(const Experiment& e) {
  absl::StatusOr<std::unique_ptr<store::Store>> db = store::OpenStore(e.runtime().store());
  CHECK(db.ok()) << db.status();
  return std::move(*db);
}

// The model tensors of the checkpoint LATEST names.
std::map<std::string, Tensor> LatestModel(const std::string& run_dir) {
  std::string latest = ReadText(run_dir + "/checkpoints/LATEST");
  while (!latest.empty() && std::isspace(static_cast<unsigned char>(latest.back()))) {
    latest.pop_back();
  }
  absl::StatusOr<weights::SafetensorsFile> f =
      weights::ReadSafetensors(run_dir + "/checkpoints/" + latest + "/model.safetensors");
  CHECK(f.ok()) << f.status();
  return f->tensors;
}

bool BitwiseEqual(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return false;
  std::vector<float> x = a.ToVector(), y = b.ToVector();
  return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
}

// Names of tensors under `prefix` that differ between the two maps (missing counts as
// different).
std::vector<std::string> Differing(const std::map<std::string, Tensor>& a,
                                   const std::map<std::string, Tensor>& b,
                                   const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& [name, t] : a) {
    if (!absl::StartsWith(name, prefix)) continue;
    auto it = b.find(name);
    if (it == b.end() || !BitwiseEqual(t, it->second)) out.push_back(name);
  }
  return out;
}

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override { SetCpuThreads(1); }
};

TEST_F(RunnerTest, CompletesAndRecordsThenSkips) {
  Experiment e = InDir(Tiny(), TmpDir("complete"));
  runner::RunOptions o;
  o.run_id = "tiny-run";
  absl::StatusOr<runner::RunOutcome> r = runner::RunExperiment(e, o, GlobalRegistries());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->skipped);
  EXPECT_EQ(r->run_id, "tiny-run");
  ASSERT_TRUE(r->metrics.count("vqa/overall")) << r->metrics.size();
  ASSERT_TRUE(r->metrics.count("vqa/blind/overall"));
  EXPECT_GE(r->metrics["vqa/overall"].value, 0.0);
  EXPECT_LE(r->metrics["vqa/overall"].value, 1.0);

  for (const char* f :
       {"spec.textproto", "checkpoints/LATEST", "predictions/vqa.jsonl", "metrics.json"}) {
    EXPECT_TRUE(fs::exists(fs::path(r->run_dir) / f)) << f;
  }
  EXPECT_EQ(fs::path(r->run_dir), fs::path(e.runtime().output_dir()) / "tiny-run");
  std::string latest = ReadText(r->run_dir + "/checkpoints/LATEST");
  EXPECT_CONTAINS(latest, "ckpt-00000009");  // 6 + 3 steps
  std::string metrics_json = ReadText(r->run_dir + "/metrics.json");
  EXPECT_CONTAINS(metrics_json, "\"overall\"");
  EXPECT_CONTAINS(metrics_json, "\"blind/overall\"");
  std::string jsonl = ReadText(r->run_dir + "/predictions/vqa.jsonl");
  EXPECT_EQ(std::count(jsonl.begin(), jsonl.end(), '\n'), 8);

  std::unique_ptr<store::Store> db = OpenStore(e);
  absl::StatusOr<store::RunRecord> run = db->GetRun("tiny-run");
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->status, store::RunStatus::kCompleted);
  EXPECT_TRUE(run->error.empty());
  ASSERT_TRUE(run->cost.parameters.has_value());
  EXPECT_GT(*run->cost.parameters, 0);
  absl::StatusOr<std::vector<store::ScalarPoint>> scalars = db->Scalars({"tiny-run"}, {"loss"});
  ASSERT_TRUE(scalars.ok()) << scalars.status();
  std::map<std::string, std::vector<int64_t>> steps;
  for (const store::ScalarPoint& p : *scalars) steps[p.stage].push_back(p.step);
  EXPECT_EQ(steps["captions"], (std::vector<int64_t>{2, 4, 6}));
  EXPECT_EQ(steps["vqa"], (std::vector<int64_t>{1, 2, 3}));
  absl::StatusOr<std::vector<store::MetricRecord>> metrics = db->Metrics({"tiny-run"});
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  std::map<std::string, double> by_key;
  for (const store::MetricRecord& m : *metrics) by_key[m.evaluator + "/" + m.key] = m.value;
  ASSERT_TRUE(by_key.count("vqa/overall"));
  ASSERT_TRUE(by_key.count("vqa/blind/overall"));
  EXPECT_EQ(by_key["vqa/overall"], r->metrics["vqa/overall"].value);
  store::PredictionQuery q;
  q.run_id = "tiny-run";
  q.evaluator = "vqa";
  absl::StatusOr<store::PredictionPage> page = db->Predictions(q);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->total, 8);
  db.reset();

  absl::StatusOr<runner::RunOutcome> again = runner::RunExperiment(e, o, GlobalRegistries());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->skipped);
  EXPECT_EQ(again->metrics["vqa/overall"].value, r->metrics["vqa/overall"].value);
}

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

// Runs `e` as run "a" uninterrupted, then as run "b" in a child process killed (SIGKILL) once
// LATEST names one of `kill_at`; runs "b" again (its dead worker is detected, and without
// --resume the checkpoints are refused), resumes it and expects weights, metrics and
// predictions identical to "a". The checkpoint "b" was killed after is
// returned through `*killed_at` for the caller's own checks.
void ExpectResumeAfterKillEqualsUninterrupted(const Experiment& e,
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
  EXPECT_EQ(ReadText(ra->run_dir + "/predictions/vqa.jsonl"),
            ReadText(rb->run_dir + "/predictions/vqa.jsonl"));
}

TEST_F(RunnerTest, ResumeAfterKillEqualsUninterrupted) {
  Experiment e = InDir(Tiny(), TmpDir("resume"));
  e.mutable_stages(0)->set_checkpoint_every(2);  // unhashed: the same spec as run A
  // Killed once a mid-stage checkpoint of stage 1 is written.
  train::CheckpointState killed_at;
  ExpectResumeAfterKillEqualsUninterrupted(e, {"ckpt-00000002", "ckpt-00000004"}, &killed_at);
  EXPECT_EQ(killed_at.stage_index, 0);
  EXPECT_FALSE(killed_at.stage_done);
}

TEST_F(RunnerTest, RisingResolutionTrainsTheNextStageAtItsSizeAndResumesAcrossTheBoundary) {
  // Stage 1 at the encoder's 16 px, stage 2 at 32 px on 32 px pictures.
  Experiment e = InDir(Tiny(), TmpDir("rising"));
  e.mutable_model()->mutable_llm()->mutable_llama()->set_max_seq_len(256);
  for (DataMixture& d : *e.mutable_data()) {
    d.mutable_components(0)->mutable_dataset()->mutable_synthetic()->set_image_size(32);
  }
  e.mutable_stages(1)->set_image_size(32);
  e.mutable_stages(0)->set_checkpoint_every(2);
  e.mutable_stages(1)->set_checkpoint_every(1);
  // Killed at the end of stage 1 or inside stage 2: the resumed run must take 32 px images.
  train::CheckpointState killed_at;
  ExpectResumeAfterKillEqualsUninterrupted(e, {"ckpt-00000006", "ckpt-00000007", "ckpt-00000008"},
                                           &killed_at);
  EXPECT_TRUE((killed_at.stage_index == 0 && killed_at.stage_done) || killed_at.stage_index == 1)
      << killed_at.stage_name;
  // Evaluation, and a model loaded from the final checkpoint, see 32 px images: 4 x the
  // visual tokens of 16 px through the average-pooling projector.
  absl::StatusOr<eval::ModelWeights> w =
      eval::ReadModelWeights(e.runtime().output_dir() + "/a/checkpoints");
  ASSERT_TRUE(w.ok()) << w.status();
  absl::StatusOr<std::unique_ptr<VlmModel>> m = eval::LoadTrainedModel(e, *w, GlobalRegistries());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(eval::ImageOptionsForModel(**m)->size, 32);
  Experiment at16 = e;
  at16.mutable_stages(1)->clear_image_size();
  absl::StatusOr<std::unique_ptr<VlmModel>> m16 =
      eval::LoadTrainedModel(at16, *w, GlobalRegistries());
  ASSERT_TRUE(m16.ok()) << m16.status();
  EXPECT_EQ((*m)->summary().visual_tokens.tokens, 4 * (*m16)->summary().visual_tokens.tokens);
  EXPECT_EQ((*m)->layout().placeholders, (*m)->summary().visual_tokens.tokens);
  // The run's recorded cost counts the visual tokens at the final stage's 32 px.
  absl::StatusOr<store::RunRecord> rec = OpenStore(e)->GetRun("a");
  ASSERT_TRUE(rec.ok() && rec->cost.visual_tokens_per_image.has_value());
  EXPECT_EQ(*rec->cost.visual_tokens_per_image, (*m)->summary().visual_tokens.tokens);
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

TEST_F(RunnerTest, RunIdsThatWouldLeaveTheOutputDirectoryAreRefused) {
  const std::string dir = TmpDir("run_ids");
  Experiment e = InDir(Tiny(), dir);
  for (const char* id : {"../../x", "a/b", ".hidden", "<b>x</b>", "-rf"}) {
    runner::RunOptions o;
    o.run_id = id;
    absl::StatusOr<runner::RunOutcome> r = runner::RunExperiment(e, o, GlobalRegistries());
    ASSERT_FALSE(r.ok()) << id;
    EXPECT_CONTAINS(r.status().message(), "--run_id: run id");
  }
  EXPECT_FALSE(fs::exists(fs::path(dir).parent_path().parent_path() / "x"));
  EXPECT_FALSE(fs::exists(dir + "/runs"));  // nothing was written
}

TEST_F(RunnerTest, ARunningRunOfALiveWorkerIsNotTakenOver) {
  Experiment e = InDir(Tiny(), TmpDir("live_worker"));
  std::unique_ptr<store::Store> db = OpenStore(e);
  store::RunDefinition d{"busy", std::nullopt, "tiny", 3, SpecHash(e), "", {}};
  ASSERT_TRUE(db->UpsertRun(d).ok());
  ASSERT_TRUE(*db->ClaimRun("busy"));  // claimed by this (live) process
  db.reset();
  runner::RunOptions o;
  o.run_id = "busy";
  absl::StatusOr<runner::RunOutcome> r = runner::RunExperiment(e, o, GlobalRegistries());
  ASSERT_FALSE(r.ok());
  EXPECT_CONTAINS(r.status().message(), "which is alive on this host");
}

TEST_F(RunnerTest, FrozenEncoderUnchangedAndHandOffKeepsWeights) {
  Experiment e = InDir(Tiny(), TmpDir("frozen"));
  e.clear_evaluators();
  // Stage 1 trains everything but the encoder; stage 2 freezes every part.
  e.mutable_stages(0)->set_steps(3);
  e.mutable_stages(0)->mutable_trainable()->mutable_encoder()->set_mode(ModuleTraining::FROZEN);
  // Stage 2 trains only the projector (a stage with every part frozen is an error, below).
  TrainabilitySpec* all = e.mutable_stages(1)->mutable_trainable();
  for (ModuleTraining* m : {all->mutable_encoder(), all->mutable_fusion(), all->mutable_llm(),
                            all->mutable_embeddings()}) {
    m->set_mode(ModuleTraining::FROZEN);
  }
  e.mutable_stages(1)->mutable_optimizer()->set_lr(1e-12f);
  e.mutable_stages(1)->set_steps(1);

  absl::StatusOr<std::unique_ptr<VlmModel>> initial =
      BuildVlm(e.model(), GlobalRegistries(), e.seed());
  ASSERT_TRUE(initial.ok()) << initial.status();
  std::map<std::string, Tensor> init = (*initial)->StateDict();

  // Run the first stage alone to get its final weights.
  Experiment first = e;
  first.mutable_stages()->RemoveLast();
  runner::RunOptions o1;
  o1.run_id = "first";
  absl::StatusOr<runner::RunOutcome> r1 = runner::RunExperiment(first, o1, GlobalRegistries());
  ASSERT_TRUE(r1.ok()) << r1.status();
  std::map<std::string, Tensor> after_first = LatestModel(r1->run_dir);
  ASSERT_EQ(after_first.size(), init.size());
  EXPECT_TRUE(Differing(init, after_first, "encoder.").empty())
      << Differing(init, after_first, "encoder.")[0];
  // The check can fail: the other parts did train.
  EXPECT_FALSE(Differing(init, after_first, "").empty());

  runner::RunOptions o2;
  o2.run_id = "both";
  absl::StatusOr<runner::RunOutcome> r2 = runner::RunExperiment(e, o2, GlobalRegistries());
  ASSERT_TRUE(r2.ok()) << r2.status();
  std::map<std::string, Tensor> after_both = LatestModel(r2->run_dir);
  ASSERT_EQ(after_both.size(), after_first.size());
  std::vector<std::string> changed;
  for (const std::string& name : Differing(after_first, after_both, "")) {
    if (!absl::StartsWith(name, "projector.")) changed.push_back(name);
  }
  EXPECT_TRUE(changed.empty()) << changed[0];

  // A stage with every part frozen fails with a message naming it, not an autograd error.
  all->mutable_projector()->set_mode(ModuleTraining::FROZEN);
  runner::RunOptions o3;
  o3.run_id = "all-frozen";
  absl::StatusOr<runner::RunOutcome> r3 = runner::RunExperiment(e, o3, GlobalRegistries());
  ASSERT_FALSE(r3.ok());
  EXPECT_CONTAINS(r3.status().message(), "stages[vqa].trainable");
}

TEST_F(RunnerTest, NanGuardFailsTheRunAndKeepsLastGoodCheckpoint) {
  Experiment e = InDir(Tiny(), TmpDir("nan"));
  e.clear_evaluators();
  StageSpec* s = e.mutable_stages(0);
  s->set_checkpoint_every(1);
  s->set_max_grad_norm(0);
  s->mutable_optimizer()->set_kind(OptimizerSpec::SGD);
  s->mutable_optimizer()->set_momentum(0);
  s->mutable_optimizer()->set_lr(1e30f);
  s->mutable_schedule()->set_kind(ScheduleSpec::CONSTANT);
  s->mutable_schedule()->set_warmup_steps(0);
  runner::RunOptions o;
  o.run_id = "nan";
  absl::StatusOr<runner::RunOutcome> r = runner::RunExperiment(e, o, GlobalRegistries());
  ASSERT_FALSE(r.ok());
  const std::string message(r.status().message());
  EXPECT_CONTAINS(message, "captions");
  EXPECT_CONTAINS(message, " at step ");

  std::unique_ptr<store::Store> db = OpenStore(e);
  absl::StatusOr<store::RunRecord> run = db->GetRun("nan");
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->status, store::RunStatus::kFailed);
  EXPECT_CONTAINS(run->error, message);

  absl::StatusOr<std::optional<train::LoadedCheckpoint>> ck =
      train::LoadLatestCheckpoint(e.runtime().output_dir() + "/nan/checkpoints");
  ASSERT_TRUE(ck.ok()) << ck.status();
  if (ck->has_value()) {
    EXPECT_EQ((*ck)->state.stage_name, "captions");
    EXPECT_FALSE((*ck)->state.stage_done);
    // The step the guard names is the one after the last checkpoint.
    EXPECT_CONTAINS(message, absl::StrCat(" at step ", (*ck)->state.stage_step + 1));
    absl::StatusOr<std::unique_ptr<VlmModel>> m = BuildVlm(e.model(), GlobalRegistries(), 0);
    ASSERT_TRUE(m.ok());
    EXPECT_TRUE((*m)->LoadStateDict((*ck)->model).ok());
  } else {
    EXPECT_CONTAINS(message, " at step 1");
  }
}

TEST_F(RunnerTest, NonFiniteWeightsAtLoadAreAnErrorNamingTheTensor) {
  // A run interrupted after a checkpoint whose weights hold a NaN (damaged on disk here).
  Experiment e = InDir(Tiny(), TmpDir("nan_load"));
  e.clear_evaluators();
  e.mutable_stages()->DeleteSubrange(1, 1);
  e.mutable_stages(0)->set_steps(4);
  e.mutable_stages(0)->set_checkpoint_every(2);
  runner::RunOptions o;
  o.run_id = "n";
  absl::StatusOr<runner::RunOutcome> r = runner::RunExperiment(e, o, GlobalRegistries());
  ASSERT_TRUE(r.ok()) << r.status();
  const std::string ckpt = r->run_dir + "/checkpoints/ckpt-00000004";
  absl::StatusOr<weights::SafetensorsFile> f =
      weights::ReadSafetensors(ckpt + "/model.safetensors");
  ASSERT_TRUE(f.ok()) << f.status();
  Tensor& w = f->tensors.at("llm.norm.weight");
  std::vector<float> v = w.ToVector();
  v[0] = std::nanf("");
  w = Tensor::FromVector(w.shape(), v);
  ASSERT_TRUE(weights::WriteSafetensors(ckpt + "/model.safetensors", f->tensors).ok());
  // Evaluating it names the file and the tensor.
  absl::StatusOr<eval::ModelWeights> read = eval::ReadModelWeights(r->run_dir + "/checkpoints");
  ASSERT_FALSE(read.ok());
  EXPECT_CONTAINS(read.status().message(),
                  "non-finite values (NaN or infinity) in 1 tensor: "
                  "llm.norm.weight");
  // So does resuming from it (rather than failing later with a "lower the learning rate").
  ASSERT_TRUE(OpenStore(e)->ResetRun("n").ok());
  o.resume = true;
  absl::StatusOr<runner::RunOutcome> resumed = runner::RunExperiment(e, o, GlobalRegistries());
  ASSERT_FALSE(resumed.ok());
  EXPECT_CONTAINS(resumed.status().message(), "ckpt-00000004/model.safetensors: non-finite");
  EXPECT_CONTAINS(resumed.status().message(), "llm.norm.weight");
}

TEST_F(RunnerTest, UnwritableOutputDirFailsUpFront) {
  std::string dir = TmpDir("unwritable");
  Experiment e = InDir(Tiny(), dir);
  std::ofstream(dir + "/not_a_dir") << "x";
  e.mutable_runtime()->set_output_dir(dir + "/not_a_dir/runs");
  runner::RunOptions o;
  o.run_id = "u";
  absl::StatusOr<runner::RunOutcome> r = runner::RunExperiment(e, o, GlobalRegistries());
  ASSERT_FALSE(r.ok());
  EXPECT_CONTAINS(r.status().message(), "runtime.output_dir");
  EXPECT_CONTAINS(r.status().message(), "not_a_dir");
  if (fs::exists(e.runtime().store())) {
    std::unique_ptr<store::Store> db = OpenStore(e);
    EXPECT_EQ(db->GetRun("u").status().code(), absl::StatusCode::kNotFound);
  }
}

}  // namespace
}  // namespace vlmlab
