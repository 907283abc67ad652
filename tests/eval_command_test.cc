// Integration tests of `vlmlab eval` (platform/runner/evaluate_checkpoint.h): a tiny experiment
// is trained for a few steps with RunExperiment, then evaluated on its own from its run
// directory and from its run id: the predictions JSONL, the official VQAv2 and COCO result
// files, the store's metrics and prompt hashes, equality with the runner's own evaluation,
// k-shot prompts, and the errors for a missing checkpoint, an unknown evaluator and a spec
// that does not fit the checkpoint. The evaluator plugins and their settings are in
// evaluator_plugins_test.cc.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "kernels/cpu/threads.h"
#include "nlohmann/json.hpp"
#include "platform/registry/global_registries.h"
#include "platform/runner/evaluate_checkpoint.h"
#include "platform/runner/run_experiment.h"
#include "platform/store/store.h"
#include "tests/test_files.h"
#include "tests/tiny_experiment.h"
#include "tests/trained_run_testing.h"

namespace vlmlab {
namespace {

TEST_F(EvalCommandTest, EvaluatesARunDirectoryLikeTheRunnerAndRecordsIt) {
  eval::EvalCheckpointRequest r;
  r.target = outcome_->run_dir;
  r.predictions_dir = *dir_ + "/eval_out";
  absl::StatusOr<eval::EvalCheckpointOutcome> out = eval::EvaluateCheckpoint(r, GlobalRegistries());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->run_id, "trained");
  EXPECT_CONTAINS(out->checkpoint, "ckpt-00000004");
  ASSERT_EQ(out->results.size(), 2u);
  const runner::EvaluatorResult& vqa = out->results[0];
  const runner::EvaluatorResult& cap = out->results[1];
  EXPECT_EQ(vqa.name, "vqa");
  EXPECT_EQ(vqa.plugin, "vqa_accuracy");
  EXPECT_EQ(cap.plugin, "caption");
  EXPECT_EQ(vqa.prompt_template, "{question}");
  EXPECT_EQ(vqa.prompt_template_sha256, runner::PromptTemplateHash("{question}"));
  EXPECT_EQ(vqa.prompt_template_sha256.size(), 16u);
  EXPECT_EQ(cap.prompt_template, "A picture of");  // the option's default, pinned

  // The same weights and data as the runner's own evaluation: the same results, byte for byte.
  EXPECT_EQ(vqa.metrics.at("overall").value, outcome_->metrics.at("vqa/overall").value);
  EXPECT_EQ(ReadText(vqa.predictions_path),
            ReadText(outcome_->run_dir + "/predictions/vqa.jsonl"));
  EXPECT_EQ(ReadText(cap.predictions_path),
            ReadText(outcome_->run_dir + "/predictions/caption.jsonl"));

  // JSONL: one object per example with the example's fields.
  std::vector<json> lines = ReadJsonl(vqa.predictions_path);
  ASSERT_EQ(lines.size(), 8u);
  std::set<int64_t> question_ids;
  for (const json& j : lines) {
    for (const char* field : {"key", "id", "question", "prompt", "prediction", "references",
                              "score", "prompt_template_sha256"}) {
      EXPECT_TRUE(j.contains(field)) << field << " missing in " << j.dump();
    }
    EXPECT_EQ(j["id"], j["question_id"]);
    EXPECT_EQ(j["references"].size(), 10u);
    EXPECT_EQ(j["prompt_template_sha256"], vqa.prompt_template_sha256);
    question_ids.insert(j["question_id"].get<int64_t>());
  }
  // VQAv2 results: one entry per question, the JSONL's predictions.
  ASSERT_EQ(vqa.official_results_path, *dir_ + "/eval_out/vqa.vqav2_results.json");
  json results = json::parse(ReadText(vqa.official_results_path));
  ASSERT_TRUE(results.is_array());
  ASSERT_EQ(results.size(), question_ids.size());
  std::set<int64_t> result_ids;
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].size(), 2u);
    result_ids.insert(results[i]["question_id"].get<int64_t>());
    EXPECT_EQ(results[i]["answer"], lines[i]["prediction"]);
  }
  EXPECT_EQ(result_ids, question_ids);
  json captions = json::parse(ReadText(cap.official_results_path));
  ASSERT_EQ(captions.size(), 4u);
  EXPECT_TRUE(captions[0].contains("image_id") && captions[0]["caption"].is_string());

  json metrics = json::parse(ReadText(*dir_ + "/eval_out/metrics.json"));
  EXPECT_EQ(metrics["vqa"]["overall"]["value"].get<double>(), vqa.metrics.at("overall").value);
  EXPECT_EQ(metrics["vqa"]["prompt_template_sha256"], vqa.prompt_template_sha256);

  // The store holds the evaluation under the run, with the prompt hash among its fields.
  std::unique_ptr<store::Store> db = Db();
  absl::StatusOr<std::vector<store::MetricRecord>> rows = db->Metrics({"trained"});
  ASSERT_TRUE(rows.ok()) << rows.status();
  std::map<std::string, double> by_key;
  for (const store::MetricRecord& m : *rows) by_key[m.evaluator + "/" + m.key] = m.value;
  EXPECT_EQ(by_key.at("vqa/overall"), vqa.metrics.at("overall").value);
  EXPECT_TRUE(by_key.count("caption/cider_d"));
  absl::StatusOr<std::vector<store::RunField>> fields = db->RunFields({"trained"});
  ASSERT_TRUE(fields.ok());
  std::map<std::string, std::string> field;
  for (const store::RunField& f : *fields) field[f.path] = f.value;
  EXPECT_EQ(field["evaluators[vqa].prompt_template_sha256"], vqa.prompt_template_sha256);
  EXPECT_EQ(field["evaluators[caption].prompt_template_sha256"], cap.prompt_template_sha256);
  EXPECT_FALSE(field["model.llm.llama.hidden"].empty()) << "the spec fields are kept";
  absl::StatusOr<store::RunRecord> run = db->GetRun("trained");
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->status, store::RunStatus::kCompleted);
}

TEST_F(EvalCommandTest, EvaluatesARunIdFromTheStoreAndOnlyTheChosenEvaluators) {
  eval::EvalCheckpointRequest r;
  r.target = "trained";
  r.store_url = exp_->runtime().store();
  r.evaluators = {"caption"};
  r.predictions_dir = *dir_ + "/by_id";
  r.overrides = {"evaluators[caption].max_examples=2"};
  absl::StatusOr<eval::EvalCheckpointOutcome> out = eval::EvaluateCheckpoint(r, GlobalRegistries());
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->results.size(), 1u);
  EXPECT_EQ(out->results[0].name, "caption");
  EXPECT_EQ(ReadJsonl(out->results[0].predictions_path).size(), 2u);
  EXPECT_FALSE(fs::exists(*dir_ + "/by_id/vqa.jsonl"));
}

TEST_F(EvalCommandTest, KShotPromptsRunEndToEnd) {
  eval::EvalCheckpointRequest r;
  r.target = outcome_->run_dir;
  r.evaluators = {"vqa"};
  r.predictions_dir = *dir_ + "/shots";
  r.run_id = "trained-2shot";
  r.overrides = {"evaluators[vqa].shots=2", "evaluators[vqa].shots_data=vqa_val",
                 "evaluators[vqa].max_examples=4"};
  // Three images per sample do not fit max_images_per_sample 1: said before anything runs.
  absl::StatusOr<eval::EvalCheckpointOutcome> refused =
      eval::EvaluateCheckpoint(r, GlobalRegistries());
  ASSERT_FALSE(refused.ok());
  EXPECT_CONTAINS(refused.status().message(), "evaluators[vqa].shots");
  EXPECT_CONTAINS(refused.status().message(), "max_images_per_sample is 1");

  r.overrides.push_back("model.fusion.self_attention.max_images_per_sample=3");
  r.overrides.push_back("model.llm.llama.max_seq_len=400");  // RoPE: no parameter changes
  absl::StatusOr<eval::EvalCheckpointOutcome> out = eval::EvaluateCheckpoint(r, GlobalRegistries());
  ASSERT_TRUE(out.ok()) << out.status();
  std::vector<json> lines = ReadJsonl(out->results[0].predictions_path);
  ASSERT_EQ(lines.size(), 4u);
  for (const json& j : lines) {
    ASSERT_TRUE(j.contains("shots")) << j.dump();
    ASSERT_EQ(j["shots"].size(), 2u);
    // Demonstrations come from the evaluation data itself here: never the query.
    for (const json& k : j["shots"]) EXPECT_NE(k, j["key"]);
  }
  // Deterministic for the seed: the same demonstrations and predictions again.
  r.predictions_dir = *dir_ + "/shots_again";
  absl::StatusOr<eval::EvalCheckpointOutcome> again =
      eval::EvaluateCheckpoint(r, GlobalRegistries());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(ReadText(again->results[0].predictions_path),
            ReadText(out->results[0].predictions_path));

  // shots without shots_data is refused up front.
  r.overrides = {"evaluators[vqa].shots=1"};
  absl::StatusOr<eval::EvalCheckpointOutcome> no_data =
      eval::EvaluateCheckpoint(r, GlobalRegistries());
  ASSERT_FALSE(no_data.ok());
  EXPECT_CONTAINS(no_data.status().message(), "evaluators[vqa].shots_data");
}

TEST_F(EvalCommandTest, UnknownEvaluatorListsTheAvailableOnes) {
  eval::EvalCheckpointRequest r;
  r.target = outcome_->run_dir;
  r.evaluators = {"vqa", "vqav2"};
  absl::StatusOr<eval::EvalCheckpointOutcome> out = eval::EvaluateCheckpoint(r, GlobalRegistries());
  ASSERT_FALSE(out.ok());
  EXPECT_CONTAINS(out.status().message(), "no evaluator named 'vqav2'");
  EXPECT_CONTAINS(out.status().message(), "it has: vqa, caption");
}

TEST_F(EvalCommandTest, NoCheckpointIsAClearError) {
  const std::string run = *dir_ + "/untrained_run";
  WriteText(run + "/spec.textproto", ReadText(outcome_->run_dir + "/spec.textproto"));
  eval::EvalCheckpointRequest r;
  r.target = run;
  absl::StatusOr<eval::EvalCheckpointOutcome> out = eval::EvaluateCheckpoint(r, GlobalRegistries());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kNotFound);
  EXPECT_CONTAINS(out.status().message(), "no checkpoint in " + run + "/checkpoints");

  r.target = *dir_ + "/nowhere/run";
  out = eval::EvaluateCheckpoint(r, GlobalRegistries());
  ASSERT_FALSE(out.ok());
  EXPECT_CONTAINS(out.status().message(), "does not exist");
}

TEST_F(EvalCommandTest, SpecThatDoesNotFitTheCheckpointNamesTheParameters) {
  eval::EvalCheckpointRequest r;
  r.target = outcome_->run_dir + "/checkpoints";
  r.experiment_path = ExperimentFile("wider", [](Experiment& e) {
    e.mutable_model()->mutable_llm()->mutable_llama()->set_hidden(48);
  });
  absl::StatusOr<eval::EvalCheckpointOutcome> out = eval::EvaluateCheckpoint(r, GlobalRegistries());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_CONTAINS(out.status().message(), "does not fit the model of experiment 'tiny_eval'");
  EXPECT_CONTAINS(out.status().message(), "shape mismatch");
  EXPECT_CONTAINS(out.status().message(), "llm.embed.weight");
}

}  // namespace
}  // namespace vlmlab
