// End to end: the scoring behind `vlmlab score`, on official-format files in a temp dir.
#include "platform/metrics/score_files.h"

#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "platform/metrics/test_files.h"

namespace vlmlab::metrics {
namespace {

const MetricLine* Find(const std::vector<MetricLine>& lines, const std::string& name) {
  for (const MetricLine& l : lines) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

bool Has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

std::string TenAnswers(const std::string& answer, int agree) {
  std::string out;
  for (int i = 0; i < 10; ++i) {
    if (i > 0) out += ", ";
    out += "{\"answer\": \"" + (i < agree ? answer : "x" + std::to_string(i)) +
           "\", \"answer_id\": " + std::to_string(i + 1) + "}";
  }
  return "[" + out + "]";
}

class ScoreVqaFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    request_.evaluator = "vqa_accuracy";
    request_.questions_path = WriteTestFile("vq.json", R"({"questions": [
        {"question_id": 1, "image_id": 1, "question": "Is there a dog?"},
        {"question_id": 2, "image_id": 1, "question": "How many cats?"},
        {"question_id": 3, "image_id": 2, "question": "What is it?"}]})");
    request_.annotations_path =
        WriteTestFile("va.json", std::string(R"({"annotations": [)") +
                                     R"({"question_id": 1, "image_id": 1, "answer_type": "yes/no",
                           "question_type": "is there", "answers": )" +
                                     TenAnswers("yes", 10) + "}," +
                                     R"({"question_id": 2, "image_id": 1, "answer_type": "number",
                           "question_type": "how many", "answers": )" +
                                     TenAnswers("2", 2) + "}," +
                                     R"({"question_id": 3, "image_id": 2, "answer_type": "other",
                           "question_type": "what is", "answers": )" +
                                     TenAnswers("cat", 1) + "}]}");
    request_.bootstrap.resamples = 200;
  }
  ScoreRequest request_;
};

TEST_F(ScoreVqaFilesTest, ScoresWithBreakdownsMissingAndIntervals) {
  request_.results_path = WriteTestFile(
      "vr.json", R"([{"question_id": 1, "answer": "yes"}, {"question_id": 2, "answer": "two"}])");
  absl::StatusOr<ScoreReport> report = ScoreFiles(request_);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->examples, 3u);
  EXPECT_EQ(report->missing, 1u);
  const MetricLine* acc = Find(report->metrics, "accuracy");
  ASSERT_NE(acc, nullptr);
  EXPECT_NEAR(acc->value, (1.0 + 0.6 + 0.0) / 3, 1e-12);
  EXPECT_TRUE(acc->has_interval);
  EXPECT_LE(acc->lower, acc->value);
  EXPECT_GE(acc->upper, acc->value);
  ASSERT_GE(report->breakdowns.size(), 2u);
  EXPECT_EQ(report->breakdowns[0].title, "answer_type");
  EXPECT_NEAR(Find(report->breakdowns[0].lines, "number")->value, 0.6, 1e-12);
  EXPECT_EQ(report->breakdowns[1].title, "question_type");
  ASSERT_FALSE(report->notes.empty());
  EXPECT_TRUE(Has(report->notes[0], "1 of 3 questions have no prediction in")) << report->notes[0];
  EXPECT_TRUE(Has(report->notes[0], "scored as wrong"));

  const std::string text = FormatReportText(*report);
  EXPECT_TRUE(Has(text, "accuracy")) << text;
  EXPECT_TRUE(Has(text, "95% CI")) << text;
  EXPECT_TRUE(Has(text, "number (n=1)")) << text;
  const nlohmann::json j = nlohmann::json::parse(FormatReportJson(*report));
  EXPECT_NEAR(j["metrics"]["accuracy"]["value"].get<double>(), 1.6 / 3, 1e-12);
  EXPECT_EQ(j["metrics"]["accuracy"]["ci"].size(), 2u);
  EXPECT_EQ(j["missing"].get<int>(), 1);
  EXPECT_NEAR(j["breakdowns"]["answer_type"]["yes/no"]["value"].get<double>(), 1.0, 1e-12);
  EXPECT_EQ(j["bootstrap"]["resamples"].get<int>(), 200);

  // Deterministic for a seed.
  absl::StatusOr<ScoreReport> again = ScoreFiles(request_);
  EXPECT_EQ(FormatReportJson(*again), FormatReportJson(*report));
}

TEST_F(ScoreVqaFilesTest, ScriptVersionDecidesHowAnswersAreProcessed) {
  // Ten identical human answers "yes": the current script compares "Yes." as it is (0); the
  // pre-2021 script normalised every prediction first (1).
  request_.results_path =
      WriteTestFile("vr_case.json", R"([{"question_id": 1, "answer": "Yes."}])");
  absl::StatusOr<ScoreReport> current = ScoreFiles(request_);
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_NEAR(Find(current->breakdowns[0].lines, "yes/no")->value, 0.0, 1e-12);
  request_.vqa_script = VqaScript::kPre2021;
  absl::StatusOr<ScoreReport> old = ScoreFiles(request_);
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_NEAR(Find(old->breakdowns[0].lines, "yes/no")->value, 1.0, 1e-12);
}

TEST_F(ScoreVqaFilesTest, BlindBaseline) {
  request_.results_path = WriteTestFile("vr2.json", R"([])");
  request_.train_questions_path = WriteTestFile("tq.json", R"({"questions": [
      {"question_id": 11, "image_id": 5, "question": "is there a dog"}]})");
  request_.train_annotations_path = WriteTestFile(
      "ta.json", std::string(R"({"annotations": [{"question_id": 11, "image_id": 5, "answers": )") +
                     TenAnswers("yes", 6) + "}]}");
  absl::StatusOr<ScoreReport> report = ScoreFiles(request_);
  ASSERT_TRUE(report.ok()) << report.status();
  // Q1 seen: "yes" (10 agree) -> 1; Q2, Q3 unseen: the overall top answer "yes" -> 0.
  EXPECT_NEAR(Find(report->metrics, "blind_baseline_accuracy")->value, 1.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(Find(report->metrics, "accuracy")->value, 0.0);
  bool noted = false;
  for (const std::string& n : report->notes) noted |= Has(n, "1 of 3 questions were seen");
  EXPECT_TRUE(noted);
}

TEST_F(ScoreVqaFilesTest, UnknownIdsAndBadEvaluatorAreErrors) {
  request_.results_path = WriteTestFile("vr3.json", R"([{"question_id": 99, "answer": "x"}])");
  absl::StatusOr<ScoreReport> report = ScoreFiles(request_);
  ASSERT_FALSE(report.ok());
  EXPECT_TRUE(Has(std::string(report.status().message()),
                  "vr3.json: has predictions for 1 "
                  "question id(s) the gold data lacks"))
      << report.status();
  request_.evaluator = "bleurt";
  report = ScoreFiles(request_);
  ASSERT_FALSE(report.ok());
  EXPECT_TRUE(Has(std::string(report.status().message()), "unknown evaluator 'bleurt'"));
}

TEST(ScoreFilesTest, Captions) {
  ScoreRequest request;
  request.evaluator = "caption";
  request.annotations_path = WriteTestFile("ca.json", R"({"images": [{"id": 1}, {"id": 2}],
      "annotations": [{"image_id": 1, "id": 1, "caption": "A b."},
                      {"image_id": 2, "id": 2, "caption": "c d"}]})");
  request.results_path = WriteTestFile("cr.json", R"([{"image_id": 1, "caption": "a B"},
      {"image_id": 2, "caption": "C, d!"}])");
  request.bootstrap.resamples = 50;
  absl::StatusOr<ScoreReport> report = ScoreFiles(request);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_NEAR(Find(report->metrics, "CIDEr-D")->value, 5.0, 1e-12);  // see cider_test
  EXPECT_NEAR(Find(report->metrics, "BLEU-1")->value, 1.0, 1e-8);
  EXPECT_TRUE(Find(report->metrics, "BLEU-4")->has_interval);
  EXPECT_EQ(report->missing, 0u);

  request.results_path = WriteTestFile("cr2.json", R"([{"image_id": 1, "caption": "a b"}])");
  report = ScoreFiles(request);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->missing, 1u);
  EXPECT_NEAR(Find(report->metrics, "CIDEr-D")->value, 2.5, 1e-12);  // image 2 scores 0
}

TEST(ScoreFilesTest, AnlsExactMatchMcqAndPope) {
  ScoreRequest request;
  request.bootstrap.resamples = 0;  // no intervals
  request.annotations_path = WriteTestFile("doc.json", R"({"data": [
      {"questionId": 1, "question": "q1", "answers": ["12/15/88"]},
      {"questionId": 2, "question": "q2", "answers": ["Paris", "paris france"]},
      {"questionId": 3, "question": "q3", "answers": ["abc"]}]})");
  request.results_path = WriteTestFile(
      "docr.json",
      R"([{"questionId": 1, "answer": "12/15/89"}, {"questionId": 2, "answer": "paris."}])");
  request.evaluator = "anls";
  absl::StatusOr<ScoreReport> report = ScoreFiles(request);
  ASSERT_TRUE(report.ok()) << report.status();
  // 0.875, "paris." vs "paris": 1 - 1/6, missing: 0.
  EXPECT_NEAR(report->metrics[0].value, (0.875 + 5.0 / 6 + 0) / 3, 1e-12);
  EXPECT_FALSE(report->metrics[0].has_interval);
  EXPECT_EQ(report->missing, 1u);
  request.evaluator = "exact_match";
  report = ScoreFiles(request);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_NEAR(report->metrics[0].value, 1.0 / 3, 1e-12);  // "paris." == "Paris" (simple)
  request.normalization = MatchNormalization::kNone;
  EXPECT_NEAR(ScoreFiles(request)->metrics[0].value, 0.0, 1e-12);

  request.evaluator = "mcq";
  request.annotations_path = WriteTestFile("mcq.json", R"({"data": [
      {"questionId": 1, "options": ["cat", "dog", "bird"], "answer": "B"},
      {"questionId": 2, "options": ["red", "blue"], "answer_index": 0},
      {"questionId": 3, "options": ["up", "down"], "answer": "down"},
      {"questionId": 4, "options": ["x", "y"], "answer": "A"}]})");
  request.results_path = WriteTestFile("mcqr.json", R"([{"questionId": 1, "answer": "(B) dog"},
      {"questionId": 2, "answer": 0}, {"questionId": 3, "answer": "I am not sure"},
      {"questionId": 4, "answer": "The answer is B"}])");
  report = ScoreFiles(request);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_NEAR(report->metrics[0].value, 0.5, 1e-12);
  bool unparsed_note = false;
  for (const std::string& n : report->notes) unparsed_note |= Has(n, "1 answers name no option");
  EXPECT_TRUE(unparsed_note);

  request.evaluator = "pope";
  request.annotations_path = WriteTestFile("pope.json", R"({"data": [
      {"questionId": 1, "answer": "yes", "category": "random"},
      {"questionId": 2, "answer": "yes", "category": "random"},
      {"questionId": 3, "answer": "no", "category": "adversarial"},
      {"questionId": 4, "answer": "no", "category": "adversarial"}]})");
  request.results_path = WriteTestFile("poper.json", R"([
      {"questionId": 1, "answer": "Yes, there is."}, {"questionId": 2, "answer": "No."},
      {"questionId": 3, "answer": "There is a dog."}])");
  request.bootstrap.resamples = 20;
  report = ScoreFiles(request);
  ASSERT_TRUE(report.ok()) << report.status();
  // preds: Y N Y, and 4 missing -> wrong -> Y. labels Y Y N N: TP 1, FN 1, FP 2, TN 0.
  EXPECT_NEAR(Find(report->metrics, "accuracy")->value, 0.25, 1e-12);
  EXPECT_NEAR(Find(report->metrics, "precision")->value, 1.0 / 3, 1e-12);
  EXPECT_NEAR(Find(report->metrics, "recall")->value, 0.5, 1e-12);
  EXPECT_NEAR(Find(report->metrics, "yes_ratio")->value, 0.75, 1e-12);
  EXPECT_TRUE(Find(report->metrics, "f1")->has_interval);
  ASSERT_EQ(report->breakdowns.size(), 1u);
  EXPECT_NEAR(Find(report->breakdowns[0].lines, "random recall")->value, 0.5, 1e-12);
  EXPECT_EQ(report->missing, 1u);

  request.annotations_path = WriteTestFile("pope_bad.json", R"({"data": [
      {"questionId": 1, "answer": "maybe"}]})");
  request.results_path = WriteTestFile("poper2.json", R"([{"questionId": 1, "answer": "no"}])");
  report = ScoreFiles(request);
  ASSERT_FALSE(report.ok());
  EXPECT_TRUE(Has(std::string(report.status().message()),
                  "pope_bad.json: data[0] (questionId 1): a POPE label must be \"yes\" or \"no\""))
      << report.status();
}

}  // namespace
}  // namespace vlmlab::metrics
