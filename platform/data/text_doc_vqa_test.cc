#include "platform/data/text_doc_vqa.h"

#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/data/data_testing.h"

namespace vlmlab::data {
namespace {

// Records as the released files hold them (TextVQA 0.5.1, DocVQA v1.0 with question types),
// with one malformed record each and one whose image is missing.
constexpr char kTextVqa[] = R"({"dataset_type": "val", "dataset_name": "textvqa",
  "dataset_version": "0.5.1", "data": [
  {"question": "what is the brand of this camera?", "image_id": "003a8ae2ef43b901",
   "image_classes": ["Camera"], "image_width": 1024, "image_height": 664,
   "answers": ["nous les gosses", "dakota", "clos culombu", "dakota digital", "dakota",
               "dakota", "dakota digital", "dakota digital", "dakota", "dakota"],
   "question_tokens": ["what", "is"], "question_id": 34602, "set_name": "val"},
  {"question": "what does the sign say?", "image_id": "0054c91397f2fe05", "question_id": 34603},
  {"question": "no id", "image_id": "aa"},
  {"question": "missing image", "image_id": "ffff", "question_id": 34605, "answers": ["x"]}
]})";

constexpr char kDocVqa[] = R"({"dataset_name": "SP-DocVQA", "dataset_split": "val",
  "dataset_version": "1.0", "data": [
  {"questionId": 49153, "question": "What is the ‘actual’ value per 1000, during the year 1975?",
   "question_types": ["figure/diagram"], "image": "documents/pybv0228_81.png", "docId": 14465,
   "ucsf_document_id": "pybv0228", "ucsf_document_page_no": "81", "answers": ["0.28"],
   "data_split": "val"},
  {"questionId": 24581, "question": "What is name of university?",
   "question_types": ["others", "layout"], "image": "documents/nkbl0226_1.png",
   "docId": 7027, "answers": ["university of california", "University of California"]},
  {"questionId": "x", "question": "bad id", "image": "documents/a.png"},
  {"questionId": 7, "question": "test split", "image": "documents/pybv0228_81.png"}
]})";

class TextDocVqaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::ScratchDir("text_doc_vqa");
    std::filesystem::create_directories(dir_ + "/images");
    std::filesystem::create_directories(dir_ + "/val/documents");
    testing::WriteFile(dir_ + "/TextVQA_0.5.1_val.json", kTextVqa);
    testing::WriteFile(dir_ + "/images/003a8ae2ef43b901.jpg", testing::TestPng(5, 4, 1));
    testing::WriteFile(dir_ + "/images/0054c91397f2fe05.png", testing::TestPng(3, 3, 2));
    testing::WriteFile(dir_ + "/val_v1.0_withQT.json", kDocVqa);
    testing::WriteFile(dir_ + "/val/documents/pybv0228_81.png", testing::TestPng(6, 8, 3));
    testing::WriteFile(dir_ + "/val/documents/nkbl0226_1.png", testing::TestPng(4, 4, 4));
  }
  std::string dir_;
};

TEST_F(TextDocVqaTest, TextVqaRecordsBecomeVqaSamples) {
  TextVqaOptions o{.annotations = dir_ + "/TextVQA_0.5.1_val.json", .image_dir = dir_ + "/images"};
  auto source = CreateTextVqaSource(o);
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->size(), 3);
  EXPECT_EQ((*source)->stats().skipped, 1);  // no question_id
  absl::StatusOr<Sample> s = (*source)->Get(0);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->key, "34602");
  EXPECT_EQ(s->task, "vqa");
  EXPECT_EQ(s->meta.at("image_id"), "003a8ae2ef43b901");
  EXPECT_EQ(s->turns[0].text, "<image>what is the brand of this camera?");
  EXPECT_EQ(s->turns[1].text, "dakota");  // the most common of the ten
  EXPECT_EQ(s->vqa->answers.size(), 10u);
  EXPECT_EQ(s->vqa->question_type, "text");
  EXPECT_EQ(s->images.at(0).pixels, testing::TestImage(5, 4, 1).pixels);
  // No answers (as in the test split): only the question; a .png image is found too.
  s = (*source)->Get(1);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->turns.size(), 1u);
  EXPECT_EQ(s->images.at(0).width, 3);
  absl::Status missing = (*source)->Get(2).status();
  EXPECT_TRUE(absl::IsNotFound(missing));
  EXPECT_THAT(missing.message(), ::testing::HasSubstr("textvqa question 34605: no image (tried "))
      << missing;
  o.strict = true;
  absl::Status strict = CreateTextVqaSource(o).status();
  EXPECT_THAT(strict.message(), ::testing::HasSubstr("data[2]: needs an integer question_id"))
      << strict;
}

TEST_F(TextDocVqaTest, DocVqaRecordsBecomeAnlsSamples) {
  DocVqaOptions o{.annotations = dir_ + "/val_v1.0_withQT.json", .image_root = dir_ + "/val"};
  auto source = CreateDocVqaSource(o);
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->size(), 3);
  EXPECT_EQ((*source)->stats().skipped, 1);
  absl::StatusOr<Sample> s = (*source)->Get(0);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->key, "49153");
  EXPECT_EQ(s->task, "docvqa");
  EXPECT_EQ(s->turns[0].text, "<image>What is the ‘actual’ value per 1000, during the year 1975?");
  EXPECT_EQ(s->turns[1].text, "0.28");
  EXPECT_EQ(s->vqa->question_type, "figure/diagram");
  EXPECT_EQ(s->meta.at("doc_id"), "14465");
  EXPECT_EQ(s->images.at(0).pixels, testing::TestImage(6, 8, 3).pixels);
  s = (*source)->Get(1);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->vqa->answers,
            (std::vector<std::string>{"university of california", "University of California"}));
  EXPECT_EQ(s->vqa->question_type, "others/layout");
  s = (*source)->Get(2);  // no answers: the question alone
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->turns.size(), 1u);
  o.strict = true;
  EXPECT_NE(CreateDocVqaSource(o).status().message().find("data[2]: needs an integer questionId"),
            std::string::npos);
  o.annotations = dir_ + "/TextVQA_0.5.1_val.json";  // a file of the other format: data[i] fail
  o.strict = false;
  auto other = CreateDocVqaSource(o);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ((*other)->size(), 0);
  EXPECT_EQ((*other)->stats().skipped, 4);
  o.annotations = dir_ + "/nope.json";
  EXPECT_THAT(CreateDocVqaSource(o).status().message(), ::testing::HasSubstr("nope.json"));
}

}  // namespace
}  // namespace vlmlab::data
