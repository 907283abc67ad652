// Readers of the official formats: what they return and errors that name the file and entry.
#include <string>

#include "gtest/gtest.h"
#include "platform/metrics/caption_files.h"
#include "platform/metrics/qa_files.h"
#include "platform/metrics/results_files.h"
#include "platform/metrics/test_files.h"
#include "platform/metrics/vqa_files.h"

namespace vlmlab::metrics {
namespace {

// The error message of a failed StatusOr (or "" when it succeeded).
template <typename T>
std::string Error(const absl::StatusOr<T>& s) {
  return s.ok() ? "" : std::string(s.status().message());
}

bool Has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

constexpr char kQuestions[] = R"({"questions": [
  {"question_id": 1, "image_id": 10, "question": "Is it red?"},
  {"question_id": 2, "image_id": 10, "question": "How many?"}]})";
constexpr char kAnnotations[] = R"({"annotations": [
  {"question_id": 1, "image_id": 10, "answer_type": "yes/no", "question_type": "is it",
   "multiple_choice_answer": "yes",
   "answers": [{"answer": "yes", "answer_confidence": "yes", "answer_id": 1}]},
  {"question_id": 2, "image_id": 10, "answer_type": "number", "question_type": "how many",
   "multiple_choice_answer": "2", "answers": [{"answer": "2", "answer_id": 1}]}]})";

TEST(VqaFilesTest, ReadsQuestionsAndAnnotations) {
  auto qs =
      ReadVqaDataset(WriteTestFile("q.json", kQuestions), WriteTestFile("a.json", kAnnotations));
  ASSERT_TRUE(qs.ok()) << qs.status();
  ASSERT_EQ(qs->size(), 2u);
  EXPECT_EQ((*qs)[0].question_id, "1");
  EXPECT_EQ((*qs)[0].image_id, "10");
  EXPECT_EQ((*qs)[0].question, "Is it red?");
  EXPECT_EQ((*qs)[1].answer_type, "number");
  EXPECT_EQ((*qs)[1].question_type, "how many");
  EXPECT_EQ((*qs)[1].answers, std::vector<std::string>{"2"});
  // Without the questions file the texts are empty.
  auto no_questions = ReadVqaDataset("", WriteTestFile("a.json", kAnnotations));
  ASSERT_TRUE(no_questions.ok());
  EXPECT_EQ((*no_questions)[0].question, "");
}

TEST(VqaFilesTest, ErrorsNameTheFileAndEntry) {
  const std::string q = WriteTestFile("q.json", kQuestions);
  std::string e = Error(ReadVqaDataset(
      q, WriteTestFile("bad1.json", R"({"annotations": [{"question_id": 1, "image_id": 10,
          "answers": [{"answer": 3}]}]})")));
  EXPECT_TRUE(Has(e,
                  "bad1.json: annotations[0] (question_id 1): answers[0]: 'answer' must be a "
                  "string, found integer"))
      << e;
  e = Error(ReadVqaDataset("", WriteTestFile("bad2.json", R"({"annotations": [
      {"question_id": 1, "image_id": 1, "answers": [{"answer": "a"}]},
      {"question_id": 1, "image_id": 1, "answers": [{"answer": "a"}]}]})")));
  EXPECT_TRUE(Has(e,
                  "bad2.json: annotations[1]: question_id 1 was already annotated at "
                  "annotations[0]"))
      << e;
  e = Error(ReadVqaDataset("", WriteTestFile("bad3.json", R"({"annotations": [
      {"question_id": 1, "image_id": 1, "answers": []}]})")));
  EXPECT_TRUE(Has(e, "bad3.json: annotations[0] (question_id 1): 'answers' must be a non-empty"))
      << e;
  e = Error(ReadVqaDataset(q, WriteTestFile("bad4.json", R"({"annotations": [
      {"question_id": 1, "image_id": 1, "answers": [{"answer": "a"}]}]})")));
  EXPECT_TRUE(Has(e, "q.json: question_id 2 has no annotation in")) << e;
  e = Error(ReadVqaDataset("", WriteTestFile("bad5.json", R"({"questions": []})")));
  EXPECT_TRUE(Has(e, "bad5.json: has no 'annotations' list")) << e;
  e = Error(ReadVqaDataset("", WriteTestFile("bad6.json", R"({"annotations": [)")));
  EXPECT_TRUE(Has(e, "bad6.json: not valid JSON")) << e;
  e = Error(ReadVqaDataset("", ::testing::TempDir() + "/does_not_exist.json"));
  EXPECT_TRUE(Has(e, "does_not_exist.json: No such file or directory")) << e;
  e = Error(ReadVqaDataset("", WriteTestFile("bad7.json", R"({"annotations": [
      {"question_id": 1.5, "image_id": 1, "answers": [{"answer": "a"}]}]})")));
  EXPECT_TRUE(Has(e, "'question_id' must be an integer or a string, found number")) << e;
}

TEST(ResultsFilesTest, ReadsAndChecksIds) {
  auto r = ReadAnswerResults(WriteTestFile(
      "r.json", R"([{"question_id": 1, "answer": "yes"}, {"questionId": "x7", "answer": ""}])"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->at("1"), "yes");
  EXPECT_EQ(r->at("x7"), "");
  const absl::Status unknown = CheckKnownIds(*r, {"1"}, "r.json", "question");
  EXPECT_TRUE(Has(std::string(unknown.message()),
                  "r.json: has predictions for 1 question id(s) the gold data lacks, e.g. x7"))
      << unknown;
  EXPECT_TRUE(CheckKnownIds(*r, {"1", "x7", "9"}, "r.json", "question").ok());

  std::string e = Error(ReadAnswerResults(WriteTestFile(
      "dup.json", R"([{"question_id": 1, "answer": "a"}, {"question_id": 1, "answer": "b"}])")));
  EXPECT_TRUE(Has(e, "dup.json: entry 1: a second prediction for id 1")) << e;
  e = Error(ReadAnswerResults(WriteTestFile("obj.json", R"({"question_id": 1})")));
  EXPECT_TRUE(Has(e, "obj.json: a results file is a JSON list")) << e;
  e = Error(ReadAnswerResults(WriteTestFile("noans.json", R"([{"question_id": 1}])")));
  EXPECT_TRUE(Has(e, "noans.json: entry 0: missing 'answer'")) << e;
  // Integer answers are option indices, for MCQ only.
  e = Error(ReadAnswerResults(WriteTestFile("int.json", R"([{"question_id": 1, "answer": 2}])")));
  EXPECT_TRUE(Has(e, "'answer' must be a string, found integer")) << e;
  ResultsOptions mcq;
  mcq.allow_option_index = true;
  auto letters =
      ReadAnswerResults(WriteTestFile("int.json", R"([{"question_id": 1, "answer": 2}])"), mcq);
  ASSERT_TRUE(letters.ok());
  EXPECT_EQ(letters->at("1"), "C");
}

TEST(CaptionFilesTest, ReadsCocoCaptions) {
  auto refs = ReadCocoCaptions(WriteTestFile("caps.json", R"({"images": [{"id": 5}, {"id": 3}],
      "annotations": [{"image_id": 3, "id": 1, "caption": "a cat"},
                      {"image_id": 5, "id": 2, "caption": "a dog"},
                      {"image_id": 3, "id": 3, "caption": "one cat"}]})"));
  ASSERT_TRUE(refs.ok()) << refs.status();
  EXPECT_EQ(refs->image_ids, (std::vector<std::string>{"3", "5"}));
  EXPECT_EQ(refs->captions.at("3"), (std::vector<std::string>{"a cat", "one cat"}));
  std::string e = Error(ReadCocoCaptions(WriteTestFile("caps2.json", R"({"images": [{"id": 5}],
      "annotations": [{"image_id": 3, "id": 1, "caption": "a cat"}]})")));
  EXPECT_TRUE(Has(e, "caps2.json: annotations[0]: image_id 3 is not in the file's \"images\""))
      << e;
  e = Error(ReadCaptionResults(WriteTestFile("capres.json", R"([{"image_id": 3, "caption": "x"},
      {"image_id": 3, "caption": "y"}])")));
  EXPECT_TRUE(Has(e, "capres.json: entry 1: a second caption for image_id 3")) << e;
  e = Error(ReadCaptionResults(WriteTestFile("capres2.json", R"([{"image_id": 3}])")));
  EXPECT_TRUE(Has(e, "capres2.json: entry 0: missing 'caption'")) << e;
}

TEST(QaFilesTest, ReadsDocVqaStyleAndVqaAnnotations) {
  auto items = ReadQaSet(WriteTestFile("doc.json", R"({"data": [
      {"questionId": 7, "question": "What?", "answers": ["a", "b"]},
      {"questionId": 8, "answer": "yes", "category": "adversarial"},
      {"questionId": 9, "options": ["x", "y"], "answer_index": 1}]})"));
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 3u);
  EXPECT_EQ((*items)[0].answers, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ((*items)[1].group, "adversarial");
  EXPECT_EQ((*items)[2].answer_index, 1);
  auto vqa = ReadQaSet(WriteTestFile("a.json", kAnnotations));
  ASSERT_TRUE(vqa.ok()) << vqa.status();
  EXPECT_EQ((*vqa)[1].answers, std::vector<std::string>{"2"});
  EXPECT_EQ((*vqa)[1].group, "number");

  std::string e = Error(ReadQaSet(WriteTestFile("doc2.json", R"({"data": [
      {"questionId": 7, "question": "What?"}]})")));
  EXPECT_TRUE(Has(e, "doc2.json: data[0] (questionId 7): no gold answer")) << e;
  e = Error(ReadQaSet(WriteTestFile("doc3.json", R"({"data": [
      {"questionId": 7, "options": ["x"], "answer_index": 4}]})")));
  EXPECT_TRUE(Has(e, "doc3.json: data[0] (questionId 7): 'answer_index' must be")) << e;
  e = Error(ReadQaSet(WriteTestFile("doc4.json", R"({"data": [
      {"questionId": 7, "answers": ["a"]}, {"questionId": 7, "answers": ["b"]}]})")));
  EXPECT_TRUE(Has(e, "doc4.json: data[1] (questionId 7): questionId 7 appears twice")) << e;
  e = Error(ReadQaSet(WriteTestFile("doc5.json", R"([1, 2])")));
  EXPECT_TRUE(Has(e, "doc5.json: expected a JSON object with 'data'")) << e;
}

}  // namespace
}  // namespace vlmlab::metrics
