#include "platform/data/coco_captions.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/data/data_testing.h"

namespace vlmlab::data {
namespace {

constexpr char kAnnotations[] = R"({
  "info": {}, "licenses": [],
  "images": [
    {"id": 42, "file_name": "COCO_val2014_000000000042.jpg", "width": 6, "height": 4},
    {"id": 7, "file_name": "seven.png"},
    {"id": 9, "file_name": "no_captions.png"},
    {"file_name": "no_id.png"}
  ],
  "annotations": [
    {"id": 1, "image_id": 42, "caption": "A cat."},
    {"id": 2, "image_id": 7, "caption": "Seven one."},
    {"id": 3, "image_id": 42, "caption": "A small cat."},
    {"id": 4, "image_id": 1000, "caption": "Orphan."},
    {"id": 5, "image_id": 7}
  ]
})";

class CocoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::ScratchDir("coco");
    testing::WriteFile(dir_ + "/captions.json", kAnnotations);
    // The reader sniffs bytes: a PNG under a .jpg name is fine.
    testing::WriteFile(dir_ + "/COCO_val2014_000000000042.jpg", testing::TestPng(6, 4, 42));
    testing::WriteFile(dir_ + "/seven.png", "corrupt");
    options_.annotations = dir_ + "/captions.json";
    options_.image_dir = dir_;
  }
  std::string dir_;
  CocoCaptionsOptions options_;
};

TEST_F(CocoTest, OneSamplePerImageWithAllCaptions) {
  auto source = CreateCocoCaptionsSource(options_);
  ASSERT_TRUE(source.ok()) << source.status();
  // 42 and 7 have captions; 9 has none; "no_id", the orphan and the caption-less annotation
  // are malformed.
  EXPECT_EQ((*source)->size(), 2);
  EXPECT_EQ((*source)->stats().skipped, 3);
  absl::StatusOr<Sample> s = (*source)->Get(0);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->image_id, 42);
  EXPECT_EQ(s->key, "COCO_val2014_000000000042.jpg");
  EXPECT_EQ(s->task, "caption");
  EXPECT_EQ(s->captions, (std::vector<std::string>{"A cat.", "A small cat."}));
  ASSERT_EQ(s->turns.size(), 2u);
  EXPECT_EQ(s->turns[0].text, "<image>");
  EXPECT_EQ(s->turns[1].role, Turn::kAssistant);
  EXPECT_EQ(s->turns[1].text, "A cat.");
  ASSERT_EQ(s->images.size(), 1u);
  EXPECT_EQ(s->images[0].pixels, testing::TestImage(6, 4, 42).pixels);
  // A corrupt image fails the task with the image id and path.
  absl::Status bad = (*source)->Get(1).status();
  EXPECT_FALSE(bad.ok());
  EXPECT_THAT(bad.message(), ::testing::HasSubstr("COCO image 7")) << bad;
  EXPECT_THAT(bad.message(), ::testing::HasSubstr("seven.png")) << bad;
}

TEST_F(CocoTest, OneSamplePerCaption) {
  options_.per_caption = true;
  auto source = CreateCocoCaptionsSource(options_);
  ASSERT_TRUE(source.ok());
  ASSERT_EQ((*source)->size(), 3);
  absl::StatusOr<Sample> s = (*source)->Get(1);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->turns[1].text, "A small cat.");
  EXPECT_EQ(s->key, "COCO_val2014_000000000042.jpg#1");
  EXPECT_EQ(s->captions.size(), 2u);
}

TEST_F(CocoTest, StrictAndMalformedFiles) {
  options_.strict = true;
  absl::Status strict = CreateCocoCaptionsSource(options_).status();
  EXPECT_THAT(strict.message(), ::testing::HasSubstr("images[3]")) << strict;
  testing::WriteFile(dir_ + "/broken.json", "{\"images\": [");
  options_.annotations = dir_ + "/broken.json";
  absl::Status broken = CreateCocoCaptionsSource(options_).status();
  EXPECT_THAT(broken.message(), ::testing::HasSubstr("broken.json")) << broken;
  testing::WriteFile(dir_ + "/wrong.json", "[1, 2]");
  options_.annotations = dir_ + "/wrong.json";
  absl::Status wrong = CreateCocoCaptionsSource(options_).status();
  EXPECT_THAT(wrong.message(), ::testing::HasSubstr("\"images\" and \"annotations\"")) << wrong;
  options_.annotations = dir_ + "/absent.json";
  EXPECT_TRUE(absl::IsNotFound(CreateCocoCaptionsSource(options_).status()));
}

TEST_F(CocoTest, ShuffledOrderIsAPermutationPerEpoch) {
  options_.per_caption = true;
  options_.shuffle = true;
  options_.seed = 1;
  auto source = CreateCocoCaptionsSource(options_);
  ASSERT_TRUE(source.ok());
  std::multiset<std::string> seen;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::optional<SampleTask>> t = (*source)->Next();
    ASSERT_TRUE(t.ok() && t->has_value());
    absl::StatusOr<Sample> s = (**t)();
    if (s.ok()) seen.insert(s->key);
  }
  EXPECT_FALSE((*source)->Next()->has_value());
  EXPECT_EQ(seen.size(), 2u);  // the two captions of image 42 (7's image is corrupt)
}

}  // namespace
}  // namespace vlmlab::data
