// Encoder pre-training as stages, end to end on the tiny experiment: contrastive training
// (CLIP and SigLIP) of the encoder and a text tower, scored by the zero_shot evaluator;
// masked image modelling with pixel and teacher targets, its head living only in its stage;
// and what `vlmlab validate` refuses.
#include <sstream>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "platform/registry/global_registries.h"
#include "platform/runner/evaluate_checkpoint.h"
#include "platform/runner/run_experiment.h"
#include "platform/spec/spec_loader.h"
#include "platform/spec/spec_validator.h"
#include "tests/resume_testing.h"
#include "tests/runner_testing.h"

namespace vlmlab {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The logged values of one scalar of a run, in step order.
std::vector<double> Series(store::Store& db, const std::string& run, const std::string& key) {
  absl::StatusOr<std::vector<store::ScalarPoint>> points = db.Scalars({run}, {key});
  CHECK(points.ok()) << points.status();
  std::vector<double> out;
  for (const store::ScalarPoint& p : *points) out.push_back(p.value);
  return out;
}

// The tiny model with a text tower, a contrastive stage and zero-shot evaluation.
Experiment Contrastive(ContrastiveOptions::Loss loss, int steps) {
  Experiment e;
  CHECK(google::protobuf::TextFormat::ParseFromString(TinyModelAndData(300), &e));
  CHECK(google::protobuf::TextFormat::MergeFromString(R"pb(
    name: "tiny_clip"
    seed: 3
    model {
      text_tower {
        transformer { gpt2 { hidden: 16 layers: 1 heads: 2 max_seq_len: 128 } }
        embed_dim: 16
      }
    }
    data {
      name: "captions_val"
      components {
        dataset { synthetic { tasks: CAPTION split: VAL image_size: 16 num_images: 40 max_objects: 2 } }
      }
    }
    stages {
      name: "clip"
      contrastive {}
      steps: 1
      batch_size: 16
      mixture: "captions"
      optimizer { lr: 3e-3 }
      schedule { kind: CONSTANT }
      log_every: 1
    }
    evaluators {
      name: "zero_shot"
      zero_shot {}
      data: "captions_val"
      bootstrap_samples: 50
      batch_size: 16
    }
    runtime { backend: CPU threads: 1 }
  )pb", &e));
  e.mutable_stages(0)->set_steps(steps);
  e.mutable_stages(0)->mutable_contrastive()->set_loss(loss);
  return e;
}

std::map<std::string, MetricValue> RunMetrics(const Experiment& e) {
  absl::StatusOr<runner::RunOutcome> r = runner::RunExperiment(e, {}, GlobalRegistries());
  CHECK(r.ok()) << r.status();
  return r->metrics;
}

TEST(ContrastiveStage, ClipTrainingLiftsZeroShotRetrievalAboveTheUntrainedTower) {
  std::map<std::string, MetricValue> trained =
      RunMetrics(InDir(Contrastive(ContrastiveOptions::CLIP, 60), TmpDir("clip")));
  std::map<std::string, MetricValue> barely =
      RunMetrics(InDir(Contrastive(ContrastiveOptions::CLIP, 1), TmpDir("clip1")));
  ASSERT_TRUE(trained.count("zero_shot/i2t_r5")) << "no retrieval metric";
  ASSERT_TRUE(barely.count("zero_shot/i2t_r5")) << "no retrieval metric";
  EXPECT_EQ(trained["zero_shot/i2t_r5"].n, 40);
  // 40 pairs: chance R@5 is 5/40 each way. Measured: 0.85 summed after 60 steps, 0.23 after 1.
  const double trained_r5 = trained["zero_shot/i2t_r5"].value + trained["zero_shot/t2i_r5"].value;
  const double barely_r5 = barely["zero_shot/i2t_r5"].value + barely["zero_shot/t2i_r5"].value;
  EXPECT_GT(trained_r5, 0.5);
  EXPECT_GT(trained_r5, barely_r5 + 0.25);
  EXPECT_DOUBLE_EQ(trained["zero_shot/chance/color"].value, 1.0 / 8);
  EXPECT_DOUBLE_EQ(trained["zero_shot/chance/count"].value, 1.0 / 2);  // max_objects 2
  EXPECT_LE(trained["zero_shot/i2t_r1"].value, trained["zero_shot/i2t_r5"].value);
}

TEST(ContrastiveStage, SigLipStartsAtItsScaleAndBiasAndTrainsThem) {
  Experiment e = InDir(Contrastive(ContrastiveOptions::SIGLIP, 20), TmpDir("siglip"));
  absl::StatusOr<runner::RunOutcome> r = runner::RunExperiment(e, {}, GlobalRegistries());
  ASSERT_TRUE(r.ok()) << r.status();
  std::unique_ptr<store::Store> db = OpenStore(e);
  auto bias = Series(*db, r->run_id, "contrastive/bias");
  auto scale = Series(*db, r->run_id, "contrastive/scale");
  ASSERT_GE(bias.size(), 2u);
  // The first logged step is after one update from -10 and 10.
  EXPECT_NEAR(bias.front(), -10, 0.05);
  EXPECT_NEAR(scale.front(), 10, 0.5);
  EXPECT_NE(bias.back(), bias.front());
  // The CLIP run logs no bias and starts at 1 / 0.07.
  Experiment c = InDir(Contrastive(ContrastiveOptions::CLIP, 2), TmpDir("clip_scale"));
  absl::StatusOr<runner::RunOutcome> rc = runner::RunExperiment(c, {}, GlobalRegistries());
  ASSERT_TRUE(rc.ok()) << rc.status();
  std::unique_ptr<store::Store> dbc = OpenStore(c);
  EXPECT_TRUE(Series(*dbc, rc->run_id, "contrastive/bias").empty());
  EXPECT_NEAR(Series(*dbc, rc->run_id, "contrastive/scale").front(), 1 / 0.07, 0.5);
}

TEST(ZeroShotEvaluator, PromptsAndRetrievalOptionsTakeEffect) {
  Experiment e = InDir(Contrastive(ContrastiveOptions::CLIP, 10), TmpDir("prompts"));
  std::map<std::string, MetricValue> base = RunMetrics(e);
  ZeroShotOptions* z = e.mutable_evaluators(0)->mutable_zero_shot();
  z->set_shape_prompt("{shape} {shape} {shape}");
  z->set_color_prompt("colour {color}");
  z->set_size_prompt("{size} thing");
  z->set_count_prompt("there are {count} {shapes} here");
  z->set_retrieval(false);
  e.set_name("tiny_clip_prompts");
  e.mutable_runtime()->set_output_dir(e.runtime().output_dir() + "_2");
  std::map<std::string, MetricValue> other = RunMetrics(e);
  EXPECT_TRUE(base.count("zero_shot/i2t_r1"));
  EXPECT_FALSE(other.count("zero_shot/i2t_r1"));
  // Same weights (same training), other class prompts: the decisions differ somewhere.
  const bool differ = base["zero_shot/shape"].value != other["zero_shot/shape"].value ||
                      base["zero_shot/color"].value != other["zero_shot/color"].value ||
                      base["zero_shot/size"].value != other["zero_shot/size"].value ||
                      base["zero_shot/count"].value != other["zero_shot/count"].value;
  EXPECT_TRUE(differ);

  // Other attributes' placeholders ensemble the class over their values: a shape's prompts
  // are every size x colour x count, {shapes} agreeing with the count.
  z->set_shape_prompt("{count} {shapes}: a {size} {color} {shape}");
  e.set_name("tiny_clip_ensemble");
  e.mutable_runtime()->set_output_dir(e.runtime().output_dir() + "_3");
  absl::StatusOr<runner::RunOutcome> r = runner::RunExperiment(e, {}, GlobalRegistries());
  ASSERT_TRUE(r.ok()) << r.status();
  bool checked = false;
  std::istringstream lines(ReadText(r->run_dir + "/predictions/zero_shot.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    nlohmann::json j = nlohmann::json::parse(line);
    if (!j.contains("shape")) continue;
    EXPECT_EQ(j["shape"]["prompts"], 2 * 8 * 2) << line;  // sizes x colours x counts 1..2
    const std::string prompt = j["shape"]["prompt"];
    EXPECT_TRUE(absl::StartsWith(prompt, "1 shape: a large ")) << prompt;  // the first of them
    checked = true;
  }
  EXPECT_TRUE(checked);
}

// Masked image modelling before caption pre-training: the head exists only in its stage.
Experiment Mim(const std::string& mim) {
  Experiment e = Tiny();
  e.set_name("tiny_mim");
  StageSpec first = e.stages(0);
  first.set_name("mim");
  first.clear_pretrain();
  CHECK(google::protobuf::TextFormat::ParseFromString(mim, first.mutable_mim()));
  first.set_steps(4);
  e.mutable_stages()->Add(std::move(first));
  // Put mim first.
  for (int i = e.stages_size() - 1; i > 0; --i) e.mutable_stages()->SwapElements(i, i - 1);
  e.clear_evaluators();
  return e;
}

TEST(MimStage, PixelTargetTrainsTheEncoderThroughAHeadThatLeavesWithItsStage) {
  // The mim stage alone: its checkpoint holds the head.
  Experiment alone = InDir(Mim("mask_ratio: 0.5"), TmpDir("mim_alone"));
  alone.mutable_stages()->DeleteSubrange(1, alone.stages_size() - 1);
  *alone.mutable_evaluators() = Tiny().evaluators();
  absl::StatusOr<runner::RunOutcome> first = runner::RunExperiment(alone, {}, GlobalRegistries());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(LatestModel(first->run_dir).count("stage_head.weight"));
  // `vlmlab eval` on that checkpoint: the head is not part of the evaluated model.
  eval::EvalCheckpointRequest request;
  request.target = first->run_dir;
  request.predictions_dir = first->run_dir + "/eval_again";
  absl::StatusOr<eval::EvalCheckpointOutcome> again =
      eval::EvaluateCheckpoint(request, GlobalRegistries());
  ASSERT_TRUE(again.ok()) << again.status();
  // Followed by caption pre-training: the next stage's checkpoint has no head.
  Experiment e = InDir(Mim("mask_ratio: 0.5"), TmpDir("mim"));
  absl::StatusOr<runner::RunOutcome> r = runner::RunExperiment(e, {}, GlobalRegistries());
  ASSERT_TRUE(r.ok()) << r.status();
  std::map<std::string, Tensor> last = LatestModel(r->run_dir);
  ASSERT_FALSE(last.empty());
  for (const auto& [name, t] : last) EXPECT_FALSE(absl::StartsWith(name, "stage_head")) << name;
  std::unique_ptr<store::Store> db = OpenStore(e);
  auto loss = Series(*db, r->run_id, "loss");
  ASSERT_FALSE(loss.empty());
  // normalize_pixels changes the target, so the loss.
  Experiment raw = InDir(Mim("mask_ratio: 0.5 normalize_pixels: false"), TmpDir("mim_raw"));
  absl::StatusOr<runner::RunOutcome> rr = runner::RunExperiment(raw, {}, GlobalRegistries());
  ASSERT_TRUE(rr.ok()) << rr.status();
  auto raw_loss = Series(*OpenStore(raw), rr->run_id, "loss");
  ASSERT_FALSE(raw_loss.empty());
  EXPECT_NE(loss.front(), raw_loss.front());
  // A higher mask ratio masks other cells: another loss.
  Experiment more = InDir(Mim("mask_ratio: 0.9"), TmpDir("mim_more"));
  absl::StatusOr<runner::RunOutcome> rm = runner::RunExperiment(more, {}, GlobalRegistries());
  ASSERT_TRUE(rm.ok()) << rm.status();
  EXPECT_NE(Series(*OpenStore(more), rm->run_id, "loss").front(), loss.front());

  // The trained encoder as the frozen teacher of another run (EVA's recipe).
  Experiment t = InDir(Mim(absl::StrCat(
                           "target: TEACHER teacher { conv { image_size: 16 width: 8 stages: 2 "
                           "blocks_per_stage: 1 } init { path: \"",
                           first->run_dir, "/checkpoints/ckpt-00000004\" prefix: \"encoder.\" } }")),
                       TmpDir("mim_teacher"));
  absl::StatusOr<runner::RunOutcome> rt = runner::RunExperiment(t, {}, GlobalRegistries());
  ASSERT_TRUE(rt.ok()) << rt.status();
  auto cosine = Series(*OpenStore(t), rt->run_id, "mim/cosine");
  ASSERT_FALSE(cosine.empty());
  EXPECT_GT(cosine.back(), cosine.front());
}

// mim then contrastive, killed inside each: the masks, the caption draws, the stage head and
// the tower's scale and bias continue as if uninterrupted.
TEST(EncoderPretrainingResume, ResumeInsideMimAndContrastiveEqualsUninterrupted) {
  for (const char* kill_at : {"ckpt-00000002", "ckpt-00000006"}) {
    Experiment e = Contrastive(ContrastiveOptions::SIGLIP, 4);
    StageSpec mim = e.stages(0);
    mim.set_name("mim");
    mim.clear_contrastive();
    mim.mutable_mim()->set_mask_ratio(0.5);
    e.mutable_stages()->Add(std::move(mim));
    e.mutable_stages()->SwapElements(0, 1);
    for (StageSpec& s : *e.mutable_stages()) s.set_checkpoint_every(2);
    e = InDir(e, TmpDir(absl::StrCat("resume_", kill_at)));
    train::CheckpointState killed_at;
    ExpectResumeAfterKillEqualsUninterrupted(e, {kill_at}, &killed_at);
    // The child may write one more checkpoint before the kill lands; it is still that stage's.
    EXPECT_EQ(killed_at.stage_name, std::string(kill_at) == "ckpt-00000002" ? "mim" : "clip");
  }
}

TEST(EncoderPretrainingValidation, RefusesWhatCannotWork) {
  auto problems = [](const Experiment& e) {
    LoadedExperiment loaded;
    loaded.experiment = e;
    return std::string(ValidateExperiment(loaded, GlobalRegistries()).message());
  };
  Experiment no_tower = Contrastive(ContrastiveOptions::CLIP, 1);
  no_tower.mutable_model()->clear_text_tower();
  no_tower.clear_evaluators();
  EXPECT_THAT(problems(no_tower), HasSubstr("embeds captions with model.text_tower"));
  Experiment split = Contrastive(ContrastiveOptions::CLIP, 1);
  split.mutable_stages(0)->set_image_splitting(true);
  EXPECT_THAT(problems(split), HasSubstr("one whole image per sample"));
  // Shared evaluator settings the evaluator would ignore (Evaluator::SettingsUsed).
  Experiment generating = Contrastive(ContrastiveOptions::CLIP, 1);
  generating.mutable_evaluators(0)->mutable_generation()->set_max_new_tokens(4);
  generating.mutable_evaluators(0)->set_shots(1);
  generating.mutable_evaluators(0)->set_shots_data("captions");
  generating.mutable_evaluators(0)->set_baseline_data("captions");
  const std::string ignored = problems(generating);
  EXPECT_THAT(ignored, HasSubstr("evaluators[zero_shot].generation: the zero_shot evaluator "
                                 "generates nothing; remove generation"));
  EXPECT_THAT(ignored, HasSubstr("evaluators[zero_shot].shots: the zero_shot evaluator shows "
                                 "no demonstrations; remove shots"));
  EXPECT_THAT(ignored, HasSubstr("evaluators[zero_shot].baseline_data: the zero_shot evaluator "
                                 "computes no baseline"));
  Experiment mcq = Contrastive(ContrastiveOptions::CLIP, 1);
  mcq.mutable_evaluators(0)->mutable_mcq()->set_length_normalize(true);
  mcq.mutable_evaluators(0)->mutable_generation()->set_max_new_tokens(2);
  EXPECT_THAT(problems(mcq), HasSubstr("the mcq evaluator generates nothing"));
  mcq.mutable_evaluators(0)->mutable_mcq()->set_mode(McqOptions::GENERATED_LETTER);
  EXPECT_THAT(problems(mcq), HasSubstr("applies to mode LOG_LIKELIHOOD only"));
  EXPECT_THAT(problems(mcq), Not(HasSubstr("generates nothing")));
  EXPECT_THAT(problems(Mim("target: TEACHER")), HasSubstr("required with target: TEACHER"));
  EXPECT_THAT(problems(Mim("teacher { conv {} }")), HasSubstr("used only with target: TEACHER"));
  EXPECT_THAT(problems(Mim("target: TEACHER teacher { conv {} }")),
              HasSubstr("the teacher must be a trained encoder"));
  EXPECT_THAT(problems(Mim("target: TEACHER normalize_pixels: true teacher { conv {} init { "
                           "path: \"x\" } }")),
              HasSubstr("applies to target: PIXELS only"));
}

}  // namespace
}  // namespace vlmlab
