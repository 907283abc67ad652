#include "platform/data/batch.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/data/data_testing.h"

namespace vlmlab::data {
namespace {

constexpr int32_t X = kIgnoreLabel;

ProcessedSample Tokens(std::vector<int32_t> ids, std::vector<int32_t> labels,
                       std::vector<Tensor> images = {}) {
  ProcessedSample p;
  p.tokens.input_ids = std::move(ids);
  p.tokens.labels = std::move(labels);
  p.images = std::move(images);
  p.sample.key = "k";
  p.sample.images.push_back(testing::TestImage(1, 1));
  return p;
}

TEST(CollateBatchTest, PadsToTheLongestWithMaskAndIgnoredLabels) {
  std::vector<ProcessedSample> samples;
  samples.push_back(Tokens({1, 2, 3}, {X, 3, X}));
  samples.push_back(Tokens({4, 5, 6, 7, 8}, {5, X, 7, 8, X}));
  Batch b = CollateBatch(std::move(samples), /*pad_id=*/99);
  EXPECT_EQ(b.input_ids.shape(), (Shape{2, 5}));
  EXPECT_EQ(b.input_ids.dtype(), DType::kI32);
  EXPECT_EQ(b.input_ids.ToInts(), (std::vector<int32_t>{1, 2, 3, 99, 99, 4, 5, 6, 7, 8}));
  EXPECT_EQ(b.labels.ToInts(), (std::vector<int32_t>{X, 3, X, X, X, 5, X, 7, 8, X}));
  EXPECT_EQ(b.attention_mask.ToInts(), (std::vector<int32_t>{1, 1, 1, 0, 0, 1, 1, 1, 1, 1}));
  EXPECT_FALSE(b.images.defined());
  EXPECT_EQ(b.image_counts, (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(b.size(), 2);
  EXPECT_TRUE(b.samples[0].images.empty());  // cleared unless keep_sample_images
}

TEST(CollateBatchTest, ImagesInOrderOfAppearancePaddedToTheLargest) {
  Tensor a = Tensor::FromVector({2, 1, 1, 2}, {1, 2, 3, 4});   // two tiles of 1 x 2
  Tensor b = Tensor::FromVector({1, 1, 2, 1}, {5, 6});         // 2 x 1
  Tensor c = Tensor::FromVector({1, 1, 2, 2}, {7, 8, 9, 10});  // 2 x 2
  std::vector<ProcessedSample> samples;
  samples.push_back(Tokens({1}, {X}, {a, b}));
  samples.push_back(Tokens({1}, {X}));
  samples.push_back(Tokens({1}, {X}, {c}));
  Batch batch = CollateBatch(std::move(samples), 0, /*keep_sample_images=*/true);
  EXPECT_EQ(batch.image_counts, (std::vector<int64_t>{3, 0, 1}));
  ASSERT_EQ(batch.images.shape(), (Shape{4, 1, 2, 2}));
  EXPECT_EQ(batch.images.ToVector(),
            (std::vector<float>{1, 2, 0, 0, 3, 4, 0, 0, 5, 0, 6, 0, 7, 8, 9, 10}));
  EXPECT_EQ(batch.image_sizes,
            (std::vector<std::array<int64_t, 2>>{{1, 2}, {1, 2}, {2, 1}, {2, 2}}));
  EXPECT_EQ(batch.samples[0].images.size(), 1u);
}

TEST(CollateBatchTest, OneSegmentPerRowWithPositionsFromZero) {
  std::vector<ProcessedSample> samples;
  samples.push_back(Tokens({1, 2, 3}, {X, 3, X}));
  samples.push_back(Tokens({4, 5}, {5, X}));
  Batch b = CollateBatch(std::move(samples), 99);
  EXPECT_FALSE(b.packed);
  EXPECT_EQ(b.rows(), 2);
  EXPECT_EQ(b.segment_ids.ToInts(), (std::vector<int32_t>{0, 0, 0, 1, 1, -1}));
  EXPECT_EQ(b.positions.ToInts(), (std::vector<int32_t>{0, 1, 2, 0, 1, 0}));
}

TEST(PackBatchTest, ConcatenatesSamplesWithSegmentsPositionsAndImagesInOrder) {
  Tensor a = Tensor::FromVector({1, 1, 1, 1}, {1});
  Tensor c = Tensor::FromVector({2, 1, 1, 1}, {3, 4});  // two tiles
  Tensor d = Tensor::FromVector({1, 1, 1, 1}, {5});
  std::vector<std::vector<ProcessedSample>> rows(2);
  rows[0].push_back(Tokens({1, 2, 3}, {2, 3, X}, {a}));
  rows[0].push_back(Tokens({4, 5}, {5, X}));
  rows[0].push_back(Tokens({6}, {X}, {c}));
  rows[1].push_back(Tokens({7, 8, 9, 10}, {8, 9, 10, 11}, {d}));
  rows[0][1].sample.key = "second";
  Batch b = PackBatch(std::move(rows), /*pad_id=*/99);
  EXPECT_TRUE(b.packed);
  EXPECT_EQ(b.rows(), 2);
  EXPECT_EQ(b.size(), 4);
  EXPECT_EQ(b.input_ids.shape(), (Shape{2, 6}));
  EXPECT_EQ(b.input_ids.ToInts(), (std::vector<int32_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 99, 99}));
  // Labels stay each sample's own: no target crosses into the next sample.
  EXPECT_EQ(b.labels.ToInts(), (std::vector<int32_t>{2, 3, X, 5, X, X, 8, 9, 10, 11, X, X}));
  EXPECT_EQ(b.attention_mask.ToInts(), (std::vector<int32_t>{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}));
  EXPECT_EQ(b.segment_ids.ToInts(), (std::vector<int32_t>{0, 0, 0, 1, 1, 2, 3, 3, 3, 3, -1, -1}));
  EXPECT_EQ(b.positions.ToInts(), (std::vector<int32_t>{0, 1, 2, 0, 1, 0, 0, 1, 2, 3, 0, 0}));
  EXPECT_EQ(b.samples[1].key, "second");
  EXPECT_EQ(b.image_counts, (std::vector<int64_t>{1, 0, 2, 1}));
  EXPECT_EQ(b.images.ToVector(), (std::vector<float>{1, 3, 4, 5}));
}

TEST(PackBatchTest, OneSamplePerRowIsNotPacked) {
  std::vector<std::vector<ProcessedSample>> rows(2);
  rows[0].push_back(Tokens({1, 2}, {2, X}));
  rows[1].push_back(Tokens({3}, {X}));
  Batch b = PackBatch(std::move(rows), 0);
  EXPECT_FALSE(b.packed);
  EXPECT_EQ(b.input_ids.ToInts(), (std::vector<int32_t>{1, 2, 3, 0}));
}

TEST(SampleRowsTest, StripImagesAndPreferenceRows) {
  Sample s;
  s.key = "k";
  s.images = {testing::TestImage(2, 2)};
  s.turns = {{Turn::kUser, "<image>a<image>b"}, {Turn::kAssistant, "c"}};
  s.preference = PreferenceAnnotation{"<image>p", "good", "bad"};
  absl::StatusOr<std::pair<Sample, Sample>> rows = PreferenceRows(s);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->first.turns[0].text, "<image>p");
  EXPECT_EQ(rows->first.turns[1].text, "good");
  EXPECT_EQ(rows->second.turns[1].text, "bad");
  EXPECT_EQ(rows->second.images.size(), 1u);
  StripImages(s);
  EXPECT_TRUE(s.images.empty());
  EXPECT_EQ(s.turns[0].text, "ab");
  EXPECT_EQ(s.preference->prompt, "p");
  s.preference.reset();
  absl::Status none = PreferenceRows(s).status();
  EXPECT_TRUE(absl::IsNotFound(none));
  EXPECT_THAT(none.message(), ::testing::HasSubstr(kNoPreference));
}

TEST(ProcessSampleTest, PreprocessesAndTokenizes) {
  testing::TestTokenizer tok;
  Sample s;
  s.key = "s1";
  s.images = {testing::TestImage(10, 5), testing::TestImage(3, 3)};
  s.turns = {{Turn::kUser, "<image><image>"}, {Turn::kAssistant, "x"}};
  ImagePreprocessOptions image;
  image.size = 8;
  ChatTemplateOptions chat;
  chat.layout.placeholders = 2;
  absl::StatusOr<ProcessedSample> p = ProcessSample(s, tok, image, chat);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->images.size(), 2u);
  EXPECT_EQ(p->images[0].shape(), (Shape{1, 3, 8, 8}));
  EXPECT_EQ(p->tokens.input_ids.size(), 1u + 1 + 4 + 1 + 1 + 1);
  s.turns[0].text = "<image>";
  absl::Status bad = ProcessSample(s, tok, image, chat).status();
  EXPECT_THAT(bad.message(), ::testing::HasSubstr("sample \"s1\"")) << bad;
}

}  // namespace
}  // namespace vlmlab::data
