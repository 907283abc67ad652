// The evaluator plugins and their settings on a tiny trained model, through `vlmlab eval`
// (platform/runner/evaluate_checkpoint.h): the spec settings every evaluator shares, mcq,
// exact_match, k-shot pools, the VQA script versions, anls, pope, the LLM judge, and the
// TextVQA / DocVQA readers as evaluation data. The command itself: eval_command_test.cc.
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "platform/data/data_testing.h"
#include "platform/eval/lave.h"
#include "platform/registry/global_registries.h"
#include "platform/runner/evaluate_checkpoint.h"
#include "platform/spec/slot_resolver.h"
#include "platform/weights/safetensors.h"
#include "tests/test_files.h"
#include "tests/trained_run_testing.h"

namespace vlmlab {
namespace {

namespace fs = std::filesystem;

TEST_F(EvalCommandTest, EvaluatorSettingsTakeEffect) {
  // The vqa evaluator of the trained tiny model on 24 examples, with one setting changed at a
  // time; `edit` changes the experiment's vqa evaluator.
  auto run = [&](const std::string& name, const std::function<void(EvaluatorSpec&)>& edit) {
    eval::EvalCheckpointRequest r;
    r.target = outcome_->run_dir;
    r.evaluators = {"vqa"};
    r.predictions_dir = *dir_ + "/settings_" + name;
    r.run_id = "trained-settings-" + name;
    r.experiment_path = ExperimentFile(r.run_id, [&](Experiment& e) {
      for (EvaluatorSpec& ev : *e.mutable_evaluators()) {
        if (ev.name() != "vqa") continue;
        ev.set_max_examples(24);
        ev.set_bootstrap_samples(1000);
        ev.mutable_generation()->set_max_new_tokens(6);
        edit(ev);
      }
    });
    absl::StatusOr<eval::EvalCheckpointOutcome> out =
        eval::EvaluateCheckpoint(r, GlobalRegistries());
    CHECK(out.ok()) << out.status();
    return out->results[0];
  };
  const runner::EvaluatorResult plain = run("plain", [](EvaluatorSpec&) {});
  const std::vector<json> plain_lines = ReadJsonl(plain.predictions_path);
  ASSERT_EQ(plain_lines.size(), 24u);

  // blind_baseline: false drops the blind metrics.
  ASSERT_TRUE(plain.metrics.count("blind/overall"));
  const runner::EvaluatorResult no_blind = run(
      "no_blind", [](EvaluatorSpec& ev) { ev.mutable_vqa_accuracy()->set_blind_baseline(false); });
  EXPECT_FALSE(no_blind.metrics.count("blind/overall"));
  EXPECT_EQ(no_blind.metrics.at("overall").value, plain.metrics.at("overall").value);

  // bootstrap_samples: 0 gives no interval; confidence 0.5 a narrower one than 0.95. The blind
  // baseline's scores vary over these questions, so its interval has a width.
  const MetricValue wide = plain.metrics.at("blind/overall");
  ASSERT_LT(wide.ci_low, wide.ci_high);
  const runner::EvaluatorResult none =
      run("no_bootstrap", [](EvaluatorSpec& ev) { ev.set_bootstrap_samples(0); });
  EXPECT_EQ(none.metrics.at("blind/overall").ci_low, wide.value);
  EXPECT_EQ(none.metrics.at("blind/overall").ci_high, wide.value);
  const runner::EvaluatorResult half =
      run("confidence", [](EvaluatorSpec& ev) { ev.set_confidence(0.5f); });
  const MetricValue narrow = half.metrics.at("blind/overall");
  EXPECT_LT(narrow.ci_high - narrow.ci_low, wide.ci_high - wide.ci_low);
  EXPECT_GE(narrow.ci_low, wide.ci_low);
  EXPECT_LE(narrow.ci_high, wide.ci_high);

  // batch_size changes how many examples run together, never the results.
  const runner::EvaluatorResult single =
      run("batch1", [](EvaluatorSpec& ev) { ev.set_batch_size(1); });
  EXPECT_EQ(ReadText(single.predictions_path), ReadText(plain.predictions_path));

  // generation.stop: each reply is cut at the first stop string. Stop at the second character of
  // a reply that has one.
  std::string stop;
  for (const json& j : plain_lines) {
    const std::string p = j["prediction"];
    if (p.size() >= 2 && p[1] != ' ') {
      stop = p.substr(1, 1);
      break;
    }
  }
  ASSERT_FALSE(stop.empty()) << "no reply of two characters to cut";
  const runner::EvaluatorResult cut =
      run("stop", [&](EvaluatorSpec& ev) { ev.mutable_generation()->add_stop(stop); });
  const std::vector<json> cut_lines = ReadJsonl(cut.predictions_path);
  ASSERT_EQ(cut_lines.size(), plain_lines.size());
  int changed = 0;
  for (size_t i = 0; i < cut_lines.size(); ++i) {
    const std::string p = plain_lines[i]["prediction"];
    const std::string want(absl::StripAsciiWhitespace(p.substr(0, p.find(stop))));
    EXPECT_EQ(cut_lines[i]["prediction"], want) << p;
    changed += want != p;
  }
  EXPECT_GE(changed, 1);
}

TEST_F(EvalCommandTest, McqLengthNormalizeDividesByTheReplyTokens) {
  // Letters are one byte plus EOS: two scored tokens, so each normalised option score is half
  // the summed log-likelihood (the byte tokenizer).
  auto scores = [&](bool normalize) {
    eval::EvalCheckpointRequest r;
    r.target = outcome_->run_dir;
    r.predictions_dir = *dir_ + (normalize ? "/mcq_norm" : "/mcq_sum");
    r.run_id = normalize ? "trained-mcq-norm" : "trained-mcq-sum";
    r.experiment_path = ExperimentFile(r.run_id, [&](Experiment& e) {
      CHECK(google::protobuf::TextFormat::MergeFromString(
          R"pb(
            data {
              name: "mcq_val"
              components {
                dataset {
                  synthetic { tasks: MCQ split: VAL image_size: 16 num_images: 50 max_objects: 2 }
                }
              }
            }
            evaluators {
              name: "mcq"
              mcq {}
              data: "mcq_val"
              max_examples: 5
              bootstrap_samples: 0
            }
          )pb",
          &e));
      e.mutable_evaluators(e.evaluators_size() - 1)->mutable_mcq()->set_length_normalize(normalize);
    });
    r.evaluators = {"mcq"};
    absl::StatusOr<eval::EvalCheckpointOutcome> out =
        eval::EvaluateCheckpoint(r, GlobalRegistries());
    CHECK(out.ok()) << out.status();
    std::vector<std::vector<double>> all;
    for (const json& j : ReadJsonl(out->results[0].predictions_path)) {
      CHECK_EQ(j["correct"].get<std::string>().size(), 1u) << "letter answers expected";
      all.push_back(j["option_scores"].get<std::vector<double>>());
    }
    return all;
  };
  const std::vector<std::vector<double>> sum = scores(false), norm = scores(true);
  ASSERT_EQ(sum.size(), 5u);
  ASSERT_EQ(norm.size(), sum.size());
  for (size_t i = 0; i < sum.size(); ++i) {
    ASSERT_EQ(norm[i].size(), sum[i].size());
    for (size_t k = 0; k < sum[i].size(); ++k) EXPECT_NEAR(norm[i][k], sum[i][k] / 2, 1e-5);
  }
}

TEST_F(EvalCommandTest, ExactMatchNormalizeDecidesWhetherCaseAndPunctuationCount) {
  // Pass 1 learns the model's replies to three questions; pass 2 makes each reference the
  // reply in capitals with a final period: equal to the reply after normalisation (lower case,
  // trailing periods dropped), never before.
  const std::string vqa_dir = *dir_ + "/exact_match";
  WriteText(vqa_dir + "/42.png", data::testing::TestPng(16, 16, 3));
  std::string questions = R"({"questions": [)";
  for (int q = 1; q <= 3; ++q) {
    absl::StrAppend(&questions, q > 1 ? "," : "",
                    R"({"image_id": 42, "question": "What colour is )", q, R"(?", "question_id": )",
                    q, "}");
  }
  WriteText(vqa_dir + "/q.json", questions + "]}");
  auto annotate = [&](const std::vector<std::string>& answers) {
    std::string a = R"({"annotations": [)";
    for (int q = 1; q <= 3; ++q) {
      absl::StrAppend(&a, q > 1 ? "," : "", R"({"question_id": )", q,
                      R"(, "image_id": 42, "answers": [{"answer": )", json(answers[q - 1]).dump(),
                      "}]}");
    }
    WriteText(vqa_dir + "/a.json", a + "]}");
  };
  auto run = [&](const std::string& name, bool normalize) {
    eval::EvalCheckpointRequest r;
    r.target = outcome_->run_dir;
    r.evaluators = {"em"};
    r.predictions_dir = *dir_ + "/em_" + name;
    r.run_id = "trained-em-" + name;
    r.experiment_path = ExperimentFile(r.run_id, [&](Experiment& e) {
      DataMixture* d = e.add_data();
      d->set_name("em_vqa");
      Vqav2Options* v = d->add_components()->mutable_dataset()->mutable_vqav2();
      v->set_questions(vqa_dir + "/q.json");
      v->set_annotations(vqa_dir + "/a.json");
      v->set_image_dir(vqa_dir);
      EvaluatorSpec* ev = e.add_evaluators();
      ev->set_name("em");
      ev->mutable_exact_match()->set_normalize(normalize);
      ev->set_data("em_vqa");
      ev->set_bootstrap_samples(0);
      ev->mutable_generation()->set_max_new_tokens(4);
    });
    absl::StatusOr<eval::EvalCheckpointOutcome> out =
        eval::EvaluateCheckpoint(r, GlobalRegistries());
    CHECK(out.ok()) << out.status();
    return ReadJsonl(out->results[0].predictions_path);
  };
  annotate({"x", "x", "x"});
  std::vector<std::string> shouted;
  for (const json& j : run("replies", false)) {
    shouted.push_back(absl::AsciiStrToUpper(j["prediction"].get<std::string>()) + ".");
  }
  ASSERT_EQ(shouted.size(), 3u);
  annotate(shouted);
  for (const json& j : run("raw", false)) EXPECT_EQ(j["score"].get<double>(), 0.0) << j.dump();
  for (const json& j : run("normalized", true))
    EXPECT_EQ(j["score"].get<double>(), 1.0) << j.dump();
}

TEST_F(EvalCommandTest, ShotsPoolLimitsTheDemonstrationsDrawnFrom) {
  auto shots = [&](const std::string& name, int pool) {
    eval::EvalCheckpointRequest r;
    r.target = outcome_->run_dir;
    r.evaluators = {"vqa"};
    r.predictions_dir = *dir_ + "/pool_" + name;
    r.run_id = "trained-pool-" + name;
    r.overrides = {"evaluators[vqa].shots=1", "evaluators[vqa].shots_data=vqa_train",
                   "evaluators[vqa].max_examples=6",
                   "model.fusion.self_attention.max_images_per_sample=2",
                   "model.llm.llama.max_seq_len=400"};
    if (pool > 0) r.overrides.push_back(absl::StrCat("evaluators[vqa].shots_pool=", pool));
    absl::StatusOr<eval::EvalCheckpointOutcome> out =
        eval::EvaluateCheckpoint(r, GlobalRegistries());
    CHECK(out.ok()) << out.status();
    std::set<std::string> keys;
    for (const json& j : ReadJsonl(out->results[0].predictions_path)) {
      for (const json& k : j["shots"]) keys.insert(k.get<std::string>());
    }
    return keys;
  };
  EXPECT_EQ(shots("one", 1).size(), 1u);  // a pool of one sample: always that demonstration
  EXPECT_GT(shots("default", 0).size(), 1u);
}

TEST_F(EvalCommandTest, VqaScriptOptionChoosesTheOfficialAnswerProcessing) {
  // A VQAv2-format split whose human answers are nine "Yes!" and one "no". The blind baseline
  // (fitted on the same split) answers "yes". The current official script processes both sides
  // when the humans disagree ("Yes!" -> "yes": accuracy 1); the pre-2021 script gave the humans
  // punctuation processing only ("Yes!" -> "Yes ": accuracy 0).
  const std::string vqa_dir = *dir_ + "/vqav2";
  std::string questions = R"({"questions": [)", annotations = R"({"annotations": [)";
  for (int q = 1; q <= 3; ++q) {
    const std::string sep = q > 1 ? "," : "";
    absl::StrAppend(&questions, sep, R"({"image_id": 42, "question": "Is it there )", q,
                    R"(?", "question_id": )", q, "}");
    std::string answers;
    for (int k = 1; k <= 10; ++k) {
      absl::StrAppend(&answers, k > 1 ? "," : "", R"({"answer": ")", k < 10 ? "Yes!" : "no",
                      R"(", "answer_id": )", k, "}");
    }
    absl::StrAppend(&annotations, sep, R"({"question_id": )", q,
                    R"(, "image_id": 42, "answer_type": "yes/no", "question_type": "is it",
                     "answers": [)",
                    answers, "]}");
  }
  WriteText(vqa_dir + "/q.json", questions + "]}");
  WriteText(vqa_dir + "/a.json", annotations + "]}");
  WriteText(vqa_dir + "/42.png", data::testing::TestPng(16, 16, 3));
  auto blind_overall = [&](VqaAccuracyOptions::Script script) {
    eval::EvalCheckpointRequest r;
    r.target = outcome_->run_dir;
    r.evaluators = {"vqa"};
    r.predictions_dir = *dir_ + "/script_" + VqaAccuracyOptions::Script_Name(script);
    r.run_id = "trained-script-" + VqaAccuracyOptions::Script_Name(script);
    r.experiment_path = ExperimentFile(r.run_id, [&](Experiment& e) {
      DataMixture* d = e.add_data();
      d->set_name("official_vqa");
      Vqav2Options* v = d->add_components()->mutable_dataset()->mutable_vqav2();
      v->set_questions(vqa_dir + "/q.json");
      v->set_annotations(vqa_dir + "/a.json");
      v->set_image_dir(vqa_dir);
      for (EvaluatorSpec& ev : *e.mutable_evaluators()) {
        if (ev.name() != "vqa") continue;
        ev.set_data("official_vqa");
        ev.set_baseline_data("official_vqa");
        ev.mutable_vqa_accuracy()->set_script(script);
      }
    });
    absl::StatusOr<eval::EvalCheckpointOutcome> out =
        eval::EvaluateCheckpoint(r, GlobalRegistries());
    CHECK(out.ok()) << out.status();
    return out->results[0].metrics.at("blind/overall").value;
  };
  EXPECT_DOUBLE_EQ(blind_overall(VqaAccuracyOptions::CURRENT), 1.0);
  EXPECT_DOUBLE_EQ(blind_overall(VqaAccuracyOptions::PRE_2021), 0.0);
}

TEST_F(EvalCommandTest, AnswerAndChoiceEvaluatorsRunOnTheTrainedModel) {
  // anls, exact_match, pope and mcq (both modes) on the trained tiny model: each scores every
  // example it should, within [0, 1], with its own prompt template recorded per example.
  eval::EvalCheckpointRequest r;
  r.target = outcome_->run_dir;
  r.predictions_dir = *dir_ + "/answer_evaluators";
  r.run_id = "trained-answer-evaluators";
  r.experiment_path = ExperimentFile(r.run_id, [](Experiment& e) {
    CHECK(google::protobuf::TextFormat::MergeFromString(
        R"pb(
          data {
            name: "mcq_val"
            components {
              dataset {
                synthetic { tasks: MCQ split: VAL image_size: 16 num_images: 50 max_objects: 2 }
              }
            }
          }
          evaluators {
            name: "anls"
            anls { prompt: "ANLS Q {question}" threshold: 0.5 }
            data: "vqa_val"
            max_examples: 6
            bootstrap_samples: 10
            generation { max_new_tokens: 3 }
          }
          evaluators {
            name: "em"
            exact_match { normalize: false }
            data: "vqa_val"
            max_examples: 6
            bootstrap_samples: 0
            generation { max_new_tokens: 3 }
          }
          evaluators {
            name: "pope"
            pope { prompt: "POPE {question} yes or no:" }
            data: "vqa_val"
            max_examples: 40
            bootstrap_samples: 10
            generation { max_new_tokens: 2 }
          }
          evaluators {
            name: "mcq_ll"
            mcq { mode: LOG_LIKELIHOOD }
            data: "mcq_val"
            max_examples: 5
            bootstrap_samples: 0
          }
          evaluators {
            name: "mcq_gen"
            mcq { mode: GENERATED_LETTER }
            data: "mcq_val"
            max_examples: 5
            bootstrap_samples: 0
            generation { max_new_tokens: 3 }
          }
        )pb",
        &e));
  });
  r.evaluators = {"anls", "em", "pope", "mcq_ll", "mcq_gen"};
  absl::StatusOr<eval::EvalCheckpointOutcome> out = eval::EvaluateCheckpoint(r, GlobalRegistries());
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->results.size(), 5u);
  std::map<std::string, const runner::EvaluatorResult*> by_name;
  for (const runner::EvaluatorResult& res : out->results) by_name[res.name] = &res;
  auto in_unit_interval = [&](const std::string& evaluator, const std::string& metric) {
    ASSERT_TRUE(by_name.count(evaluator)) << evaluator;
    const auto& m = by_name[evaluator]->metrics;
    ASSERT_TRUE(m.count(metric)) << evaluator << " has no metric " << metric;
    EXPECT_GE(m.at(metric).value, 0.0) << evaluator << "/" << metric;
    EXPECT_LE(m.at(metric).value, 1.0) << evaluator << "/" << metric;
  };
  in_unit_interval("anls", "anls");
  in_unit_interval("em", "exact_match");
  for (const char* m : {"accuracy", "precision", "recall", "f1", "yes_ratio"}) {
    in_unit_interval("pope", m);
  }
  in_unit_interval("mcq_ll", "accuracy");
  in_unit_interval("mcq_gen", "accuracy");

  const std::vector<json> anls = ReadJsonl(by_name["anls"]->predictions_path);
  ASSERT_EQ(anls.size(), 6u);
  for (const json& j : anls) {
    EXPECT_TRUE(absl::StrContains(j["prompt"].get<std::string>(),
                                  "ANLS Q " + j["question"].get<std::string>()))
        << j["prompt"];
  }
  // POPE keeps only yes/no questions, each asked with its own template.
  const std::vector<json> pope = ReadJsonl(by_name["pope"]->predictions_path);
  ASSERT_FALSE(pope.empty());
  EXPECT_LT(pope.size(), 40u);
  for (const json& j : pope) {
    EXPECT_TRUE(absl::StrContains(j["prompt"].get<std::string>(),
                                  "POPE " + j["question"].get<std::string>() + " yes or no:"))
        << j["prompt"];
  }
  EXPECT_EQ(ReadJsonl(by_name["em"]->predictions_path).size(), 6u);
  // Log-likelihood mode answers with one of the options; generation answers with free text.
  const std::vector<json> ll = ReadJsonl(by_name["mcq_ll"]->predictions_path);
  ASSERT_EQ(ll.size(), 5u);
  for (const json& j : ll) {
    EXPECT_FALSE(j["chosen"].get<std::string>().empty()) << j.dump();
    const std::string reply = j["prediction"];
    bool is_candidate = reply == j["chosen"].get<std::string>();
    for (const json& o : j["options"]) is_candidate |= reply == o.get<std::string>();
    EXPECT_TRUE(is_candidate) << j.dump();
  }
  EXPECT_EQ(ReadJsonl(by_name["mcq_gen"]->predictions_path).size(), 5u);
}

TEST_F(EvalCommandTest, DocVqaAndTextVqaFilesAreDatasetsAnExperimentNames) {
  // A DocVQA file scored with anls and a TextVQA file with vqa_accuracy, in their released
  // formats, each with two questions on one written image.
  const std::string root = *dir_ + "/benchmarks";
  WriteText(root + "/documents/doc_1.png", data::testing::TestPng(16, 16, 5));
  WriteText(root + "/train_images/0054c91397f2fe05.jpg", data::testing::TestPng(16, 16, 6));
  WriteText(root + "/val_v1.0_withQT.json", R"({"dataset_name": "SP-DocVQA", "data": [
    {"questionId": 1, "question": "What is the title?", "question_types": ["layout"],
     "image": "documents/doc_1.png", "docId": 3, "answers": ["red circle", "a red circle"]},
    {"questionId": 2, "question": "What is the date?", "question_types": ["others"],
     "image": "documents/doc_1.png", "docId": 3, "answers": ["1975"]}]})");
  std::string ten;
  for (int k = 0; k < 10; ++k) absl::StrAppend(&ten, k ? "," : "", "\"blue\"");
  auto text_record = [&](int id, const char* question) {
    return absl::StrCat(R"({"question": ")", question,
                        R"(", "image_id": "0054c91397f2fe05", "question_id": )", id,
                        R"(, "answers": [)", ten, "]}");
  };
  WriteText(root + "/TextVQA_0.5.1_val.json",
            absl::StrCat(R"({"dataset_name": "textvqa", "data": [)",
                         text_record(11, "what colour is it?"), ",",
                         text_record(12, "what does it say?"), "]}"));
  eval::EvalCheckpointRequest r;
  r.target = outcome_->run_dir;
  r.predictions_dir = *dir_ + "/benchmark_files";
  r.run_id = "trained-benchmark-files";
  r.experiment_path = ExperimentFile(r.run_id, [&](Experiment& e) {
    DocVqaOptions* doc =
        e.add_data()->mutable_components()->Add()->mutable_dataset()->mutable_docvqa();
    doc->set_annotations(root + "/val_v1.0_withQT.json");
    doc->set_image_root(root);
    e.mutable_data(e.data_size() - 1)->set_name("docvqa_val");
    TextVqaOptions* text =
        e.add_data()->mutable_components()->Add()->mutable_dataset()->mutable_textvqa();
    text->set_annotations(root + "/TextVQA_0.5.1_val.json");
    text->set_image_dir(root + "/train_images");
    e.mutable_data(e.data_size() - 1)->set_name("textvqa_val");
    CHECK(google::protobuf::TextFormat::MergeFromString(R"pb(
                                                          evaluators {
                                                            name: "doc"
                                                            anls {}
                                                            data: "docvqa_val"
                                                            bootstrap_samples: 0
                                                            generation { max_new_tokens: 3 }
                                                          }
                                                          evaluators {
                                                            name: "text"
                                                            vqa_accuracy {}
                                                            data: "textvqa_val"
                                                            bootstrap_samples: 0
                                                            generation { max_new_tokens: 3 }
                                                          }
                                                        )pb",
                                                        &e));
  });
  r.evaluators = {"doc", "text"};
  absl::StatusOr<eval::EvalCheckpointOutcome> out = eval::EvaluateCheckpoint(r, GlobalRegistries());
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->results.size(), 2u);
  for (const runner::EvaluatorResult& res : out->results) {
    const std::vector<json> records = ReadJsonl(res.predictions_path);
    ASSERT_EQ(records.size(), 2u) << res.name;
    EXPECT_EQ(records[0]["key"], res.name == "doc" ? "1" : "11") << res.name;
    const std::string metric = res.name == "doc" ? "anls" : "overall";
    ASSERT_TRUE(res.metrics.count(metric)) << res.name;
    EXPECT_GE(res.metrics.at(metric).value, 0.0);
    EXPECT_LE(res.metrics.at(metric).value, 1.0);
  }
}

// A random bare-LLM judge (a one-layer llama) for `tokenizer`'s vocabulary: its slot, and its
// weights written like any safetensors file at `weights`.
LlmSlot WriteRandomJudge(const TokenizerSlot& tokenizer_slot, const std::string& weights) {
  LlmSlot judge_slot;
  CHECK(google::protobuf::TextFormat::ParseFromString(
      "llama { hidden: 16 layers: 1 heads: 2 max_seq_len: 1024 }", &judge_slot));
  absl::StatusOr<std::unique_ptr<Llm>> judge =
      CreateFromSlot<Llm>(judge_slot, GlobalRegistries(), BuildContext{1, &GlobalRegistries()});
  CHECK(judge.ok()) << judge.status();
  absl::StatusOr<std::unique_ptr<Tokenizer>> tokenizer = CreateFromSlot<Tokenizer>(
      tokenizer_slot, GlobalRegistries(), BuildContext{1, &GlobalRegistries()});
  CHECK(tokenizer.ok()) << tokenizer.status();
  CHECK((*judge)->Build((*tokenizer)->vocab_size()).ok());
  (*judge)->Initialize(9);
  CHECK(weights::WriteSafetensors(weights, (*judge)->StateDict()).ok());
  return judge_slot;
}

TEST_F(EvalCommandTest, LlmJudgeWithATinyRandomJudgeRunsAndCountsUnparseable) {
  TokenizerSlot byte;
  byte.mutable_byte();
  const std::string weights = *dir_ + "/judge.safetensors";
  const LlmSlot judge_slot = WriteRandomJudge(byte, weights);

  eval::EvalCheckpointRequest r;
  r.target = outcome_->run_dir;
  r.predictions_dir = *dir_ + "/judge";
  r.experiment_path = ExperimentFile("with_judge", [&](Experiment& e) {
    EvaluatorSpec* j = e.add_evaluators();
    j->set_name("lave");
    j->set_data("vqa_val");
    j->set_max_examples(3);
    j->set_bootstrap_samples(0);
    j->mutable_generation()->set_max_new_tokens(3);
    LlmJudgeOptions* o = j->mutable_llm_judge();
    *o->mutable_judge() = judge_slot;
    o->set_judge_checkpoint(weights);
    o->set_max_new_tokens(4);
  });
  r.evaluators = {"lave"};
  absl::StatusOr<eval::EvalCheckpointOutcome> out = eval::EvaluateCheckpoint(r, GlobalRegistries());
  ASSERT_TRUE(out.ok()) << out.status();
  const runner::EvaluatorResult& lave = out->results[0];
  EXPECT_EQ(lave.plugin, "llm_judge");
  EXPECT_CONTAINS(lave.prompt_template, eval::LavePromptTemplate());
  std::vector<json> lines = ReadJsonl(lave.predictions_path);
  ASSERT_EQ(lines.size(), 3u);
  double sum = 0, unparseable = 0;
  for (const json& j : lines) {
    ASSERT_TRUE(j.contains("judge_output") && j.contains("judge_rating")) << j.dump();
    std::optional<int> rating = eval::ParseLaveRating(j["judge_output"].get<std::string>());
    if (j["judge_rating"].is_null()) {
      EXPECT_FALSE(rating.has_value());
      EXPECT_EQ(j["score"].get<double>(), 0.0);
      ++unparseable;
    } else {
      EXPECT_EQ(rating, j["judge_rating"].get<int>());
      EXPECT_EQ(j["score"].get<double>(), eval::LaveScore(*rating));
    }
    sum += j["score"].get<double>();
  }
  EXPECT_DOUBLE_EQ(lave.metrics.at("lave").value, sum / 3);
  EXPECT_DOUBLE_EQ(lave.metrics.at("unparseable").value, unparseable / 3);
  EXPECT_DOUBLE_EQ(lave.metrics.at("unparseable").value + lave.metrics.at("rating/1").value +
                       lave.metrics.at("rating/2").value + lave.metrics.at("rating/3").value,
                   1.0);

  // The judge can also be a run's model (text-only): here the trained run itself. Its
  // 160-token context cannot hold the judge prompt: an error, not a silently cut prompt.
  auto run_judge = [&](const std::string& judge_experiment) {
    return ExperimentFile("with_run_judge", [&](Experiment& e) {
      EvaluatorSpec* j = e.add_evaluators();
      j->set_name("lave");
      j->set_data("vqa_val");
      j->set_max_examples(2);
      j->set_bootstrap_samples(0);
      j->mutable_llm_judge()->set_judge_experiment(judge_experiment);
      j->mutable_llm_judge()->set_judge_checkpoint(outcome_->run_dir);
      j->mutable_llm_judge()->set_max_new_tokens(3);
    });
  };
  r.experiment_path = run_judge(outcome_->run_dir);
  absl::StatusOr<eval::EvalCheckpointOutcome> short_context =
      eval::EvaluateCheckpoint(r, GlobalRegistries());
  ASSERT_FALSE(short_context.ok());
  EXPECT_CONTAINS(short_context.status().message(), "max_seq_len of 160");
  // The same weights with a longer context (RoPE: no parameter depends on it).
  r.experiment_path = run_judge(ExperimentFile("long_context", [](Experiment& e) {
    e.mutable_model()->mutable_llm()->mutable_llama()->set_max_seq_len(1024);
  }));
  absl::StatusOr<eval::EvalCheckpointOutcome> by_run =
      eval::EvaluateCheckpoint(r, GlobalRegistries());
  ASSERT_TRUE(by_run.ok()) << by_run.status();
  EXPECT_EQ(ReadJsonl(by_run->results[0].predictions_path).size(), 2u);
}

TEST_F(EvalCommandTest, LlmJudgePromptAndJudgeTokenizerTakeEffect) {
  // A bare-LLM judge built for the synthetic-world BPE vocabulary: it runs with that
  // judge_tokenizer, and the same weights with the default byte tokenizer do not fit.
  TokenizerSlot bpe;
  bpe.mutable_bpe()->set_path("experiments/tokenizers/synthetic_bpe.json");
  const std::string weights = *dir_ + "/bpe_judge.safetensors";
  const LlmSlot judge_slot = WriteRandomJudge(bpe, weights);

  auto evaluate = [&](const std::string& name, bool with_bpe) {
    eval::EvalCheckpointRequest r;
    r.target = outcome_->run_dir;
    r.predictions_dir = *dir_ + "/judge_" + name;
    r.run_id = "trained-judge-" + name;
    r.experiment_path = ExperimentFile(r.run_id, [&](Experiment& e) {
      EvaluatorSpec* j = e.add_evaluators();
      j->set_name("lave");
      j->set_data("vqa_val");
      j->set_max_examples(2);
      j->set_bootstrap_samples(0);
      j->mutable_generation()->set_max_new_tokens(3);
      LlmJudgeOptions* o = j->mutable_llm_judge();
      *o->mutable_judge() = judge_slot;
      o->set_judge_checkpoint(weights);
      o->set_max_new_tokens(4);
      o->set_prompt("JQ {question} A:");
      if (with_bpe) *o->mutable_judge_tokenizer() = bpe;
    });
    r.evaluators = {"lave"};
    return eval::EvaluateCheckpoint(r, GlobalRegistries());
  };
  absl::StatusOr<eval::EvalCheckpointOutcome> out = evaluate("bpe", true);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(absl::StartsWith(out->results[0].prompt_template, "JQ {question} A:"));
  for (const json& j : ReadJsonl(out->results[0].predictions_path)) {
    EXPECT_CONTAINS(j["prompt"].get<std::string>(),
                    "JQ " + j["question"].get<std::string>() + " A:");
  }
  absl::StatusOr<eval::EvalCheckpointOutcome> byte = evaluate("byte", false);
  ASSERT_FALSE(byte.ok());
  EXPECT_CONTAINS(byte.status().message(), "embed.weight");
}

}  // namespace
}  // namespace vlmlab
