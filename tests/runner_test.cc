// Integration tests of `vlmlab run` (platform/runner/run_experiment.h) on a tiny experiment, the
// run's life cycle (the spec axes a stage turns are in runner_axes_test.cc):
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
#include "platform/eval/eval_batches.h"
#include "platform/eval/trained_model.h"
#include "platform/model/vlm_model.h"
#include "platform/registry/global_registries.h"
#include "platform/runner/run_experiment.h"
#include "platform/spec/canonical.h"
#include "platform/store/store.h"
#include "platform/train/checkpoint.h"
#include "platform/weights/safetensors.h"
#include "tests/resume_testing.h"
#include "tests/runner_testing.h"
#include "tests/test_files.h"
#include "tests/tiny_experiment.h"

namespace vlmlab {
namespace {

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
