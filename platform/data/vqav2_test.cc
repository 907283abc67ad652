#include "platform/data/vqav2.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/data/data_testing.h"

namespace vlmlab::data {
namespace {

constexpr char kQuestions[] = R"({
  "data_type": "mscoco", "data_subtype": "val2014",
  "questions": [
    {"image_id": 42, "question": "How many cats?", "question_id": 420},
    {"image_id": 5, "question": "Is it red?", "question_id": 50},
    {"image_id": 6, "question": "No image?", "question_id": 60},
    {"image_id": 5, "question": "Unannotated?", "question_id": 51},
    {"image_id": 5, "question_id": 52}
  ]
})";

std::string Answers(std::vector<std::string> answers) {
  std::string out = "[";
  for (size_t i = 0; i < answers.size(); ++i) {
    out += (i ? ", " : "") + std::string("{\"answer\": \"") + answers[i] +
           "\", \"answer_confidence\": \"yes\", \"answer_id\": " + std::to_string(i + 1) + "}";
  }
  return out + "]";
}

class VqaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::ScratchDir("vqav2");
    testing::WriteFile(dir_ + "/q.json", kQuestions);
    // Ties: "2" and "two" both appear 4 times; "two" comes first so it wins.
    const std::string annotations =
        R"({"annotations": [
          {"question_id": 420, "image_id": 42, "answer_type": "number", "question_type": "how many",
           "multiple_choice_answer": "2", "answers": )" +
        Answers({"two", "2", "2", "two", "3", "two", "2", "two", "2", "1"}) + R"(},
          {"question_id": 50, "image_id": 5, "answer_type": "yes/no", "answers": )" +
        Answers({"yes", "no", "yes"}) + R"(},
          {"question_id": 60, "image_id": 6, "answers": )" +
        Answers({"x"}) + R"(},
          {"question_id": 52, "answers": )" +
        Answers({"y"}) + R"(}
        ]})";
    testing::WriteFile(dir_ + "/a.json", annotations);
    testing::WriteFile(dir_ + "/COCO_val2014_000000000042.jpg", testing::TestPng(4, 4, 1));
    testing::WriteFile(dir_ + "/5.png", testing::TestPng(3, 2, 2));
    options_.questions = dir_ + "/q.json";
    options_.annotations = dir_ + "/a.json";
    options_.image_dir = dir_;
  }
  std::string dir_;
  Vqav2Options options_;
};

TEST_F(VqaTest, QuestionsAnswersAndImages) {
  auto source = CreateVqav2Source(options_);
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->size(), 3);           // 420, 50, 60
  EXPECT_EQ((*source)->stats().skipped, 2);  // 51 unannotated, 52 without question/image
  absl::StatusOr<Sample> s = (*source)->Get(0);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->key, "420");
  EXPECT_EQ(s->image_id, 42);
  EXPECT_EQ(s->task, "vqa");
  ASSERT_EQ(s->turns.size(), 2u);
  EXPECT_EQ(s->turns[0].text, "<image>How many cats?");
  EXPECT_EQ(s->turns[1].text, "two");
  ASSERT_TRUE(s->vqa.has_value());
  EXPECT_EQ(s->vqa->question_id, 420);
  EXPECT_EQ(s->vqa->answers.size(), 10u);
  EXPECT_EQ(s->vqa->answer_type, "number");
  EXPECT_EQ(s->vqa->question_type, "how many");
  EXPECT_EQ(s->images.at(0).pixels, testing::TestImage(4, 4, 1).pixels);
  // Plain {id}.png fallback.
  s = (*source)->Get(1);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->turns[1].text, "yes");
  EXPECT_EQ(s->images.at(0).width, 3);
  // No file for image 6: the error lists what was tried.
  absl::Status missing = (*source)->Get(2).status();
  EXPECT_TRUE(absl::IsNotFound(missing));
  EXPECT_NE(missing.message().find("COCO_val2014_000000000006.jpg, 6.png, 6.jpg"),
            std::string::npos)
      << missing;
}

TEST_F(VqaTest, WithoutAnnotationsOnlyTheQuestion) {
  options_.annotations.clear();
  auto source = CreateVqav2Source(options_);
  ASSERT_TRUE(source.ok());
  EXPECT_EQ((*source)->size(), 4);  // 52 has no question
  absl::StatusOr<Sample> s = (*source)->Get(0);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->turns.size(), 1u);
  EXPECT_TRUE(s->vqa->answers.empty());
}

TEST_F(VqaTest, StrictAndCandidates) {
  options_.strict = true;
  absl::Status strict = CreateVqav2Source(options_).status();
  EXPECT_THAT(strict.message(), ::testing::HasSubstr("question_id 51")) << strict;
  EXPECT_EQ(VqaImageCandidates("train2014", 9),
            (std::vector<std::string>{"COCO_train2014_000000000009.jpg", "9.png", "9.jpg",
                                      "000000000009.jpg"}));
  EXPECT_EQ(VqaImageCandidates("", 9).front(), "9.png");
}

}  // namespace
}  // namespace vlmlab::data
