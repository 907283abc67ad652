#include "platform/data/image_folder.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/data/data_testing.h"
#include "platform/data/sample_json.h"

namespace vlmlab::data {
namespace {

TEST(ImageFolderTest, RecordsShorthandsAndBadLines) {
  const std::string dir = testing::ScratchDir("folder");
  ::mkdir((dir + "/sub").c_str(), 0755);
  testing::WriteFile(dir + "/sub/a.png", testing::TestPng(4, 3, 1));
  testing::WriteFile(dir + "/b.png", testing::TestPng(2, 2, 2));
  const std::string jsonl =
      "{\"image\": \"sub/a.png\", \"caption\": \"a thing\"}\n"
      "\n"
      "{\"image\": \"b.png\", \"question\": \"what?\", \"answers\": [\"x\", \"y\", \"y\"]}\r\n"
      "not json\n"
      "{\"image\": \"../etc/passwd\", \"caption\": \"escape\"}\n"
      "{\"image\": \"b.png\"}\n"
      "{\"key\": \"pair\", \"images\": [\"b.png\", \"sub/a.png\"], \"turns\": ["
      "{\"role\": \"user\", \"text\": \"<image><image>same?\"}, "
      "{\"role\": \"assistant\", \"text\": \"no\"}]}\n"
      "{\"key\": \"text-only\", \"turns\": [{\"role\": \"user\", \"text\": \"hi\"}]}\n"
      "{\"image\": \"gone.png\", \"caption\": \"missing file\"}";
  testing::WriteFile(dir + "/data.jsonl", jsonl);
  ImageFolderOptions o;
  o.dir = dir;
  o.jsonl = dir + "/data.jsonl";
  auto source = CreateImageFolderSource(o);
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->size(), 5);
  EXPECT_EQ((*source)->stats().skipped, 3);  // lines 4, 5, 6

  absl::StatusOr<Sample> caption = (*source)->Get(0);
  ASSERT_TRUE(caption.ok()) << caption.status();
  EXPECT_EQ(caption->key, "data.jsonl:1");
  EXPECT_EQ(caption->task, "caption");
  EXPECT_EQ(caption->turns[0].text, "<image>");
  EXPECT_EQ(caption->turns[1].text, "a thing");
  EXPECT_EQ(caption->images.at(0).pixels, testing::TestImage(4, 3, 1).pixels);

  absl::StatusOr<Sample> vqa = (*source)->Get(1);
  ASSERT_TRUE(vqa.ok());
  EXPECT_EQ(vqa->key, "data.jsonl:3");
  EXPECT_EQ(vqa->turns[0].text, "<image>what?");
  EXPECT_EQ(vqa->turns[1].text, "y");
  EXPECT_EQ(vqa->vqa->answers.size(), 3u);

  absl::StatusOr<Sample> pair = (*source)->Get(2);
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(pair->key, "pair");
  ASSERT_EQ(pair->images.size(), 2u);
  EXPECT_EQ(pair->images[0].width, 2);
  EXPECT_EQ(pair->images[1].width, 4);

  absl::StatusOr<Sample> text = (*source)->Get(3);
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(text->images.empty());

  absl::Status gone = (*source)->Get(4).status();
  EXPECT_THAT(gone.message(), ::testing::HasSubstr("data.jsonl:9")) << gone;
  EXPECT_THAT(gone.message(), ::testing::HasSubstr("gone.png")) << gone;

  o.strict = true;
  absl::Status strict = CreateImageFolderSource(o).status();
  EXPECT_THAT(strict.message(), ::testing::HasSubstr("data.jsonl:4")) << strict;
  EXPECT_THAT(strict.message(), ::testing::HasSubstr("invalid JSON")) << strict;
}

TEST(SampleJsonTest, HelpersAndHostileInput) {
  EXPECT_EQ(MostCommonAnswer({"a", "b", "b", "a"}), "a");
  EXPECT_EQ(MostCommonAnswer({"a", "b", "b"}), "b");
  EXPECT_EQ(MostCommonAnswer({}), "");
  Sample s;
  std::vector<std::string> refs;
  absl::Status deep = ParseSampleJson(std::string(100000, '['), {}, &s, &refs);
  EXPECT_THAT(deep.message(), ::testing::HasSubstr("nested"));
  s = Sample();
  absl::Status type = ParseSampleJson(R"({"key": 5, "turns": []})", {}, &s, &refs);
  EXPECT_EQ(type.message(), "key: expected a string");
  s = Sample();
  absl::Status bad_choice = ParseSampleJson(
      R"({"key": "k", "turns": [], "choice": {"options": ["a"], "correct": 3}})", {}, &s, &refs);
  EXPECT_THAT(bad_choice.message(), ::testing::HasSubstr("choice.correct"));
  s = Sample();
  absl::Status bad_meta =
      ParseSampleJson(R"({"key": "k", "turns": [], "meta": {"x": 1}})", {}, &s, &refs);
  EXPECT_EQ(bad_meta.message(), "meta.x: expected a string");
  s = Sample();
  EXPECT_FALSE(ParseSampleJson("\"\xff\xfe\"", {}, &s, &refs).ok());
}

}  // namespace
}  // namespace vlmlab::data
