#include "platform/data/webdataset.h"

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/data/data_testing.h"
#include "platform/data/sample_json.h"
#include "platform/image/codec.h"

namespace vlmlab::data {
namespace {

using testing::MakeTar;
using testing::TarEntry;

// KEY.json in the documented schema: a caption sample with one image.
std::string CaptionJson(int i) {
  return absl::StrCat(
      R"({"key": "train/)", i, R"(", "image_id": )", i,
      R"(, "task": "caption", "images": ["png"], "turns": [)",
      R"({"role": "user", "text": "<image>"}, {"role": "assistant", "text": "caption )", i,
      R"("}], "captions": ["caption )", i, R"("], "meta": {"kind": "scene"}})");
}

std::vector<TarEntry> CaptionSample(int i) {
  const std::string key = absl::StrFormat("%06d", i);
  return {{key + ".png", testing::TestPng(6, 4, i)}, {key + ".json", CaptionJson(i)}};
}

// Writes shards of `per_shard` caption samples each; returns the brace pattern.
std::string WriteShards(const std::string& dir, int shards, int per_shard) {
  for (int s = 0; s < shards; ++s) {
    std::vector<TarEntry> entries;
    for (int k = 0; k < per_shard; ++k) {
      for (TarEntry& e : CaptionSample(s * per_shard + k)) entries.push_back(std::move(e));
    }
    testing::WriteFile(absl::StrFormat("%s/shard-%03d.tar", dir, s), MakeTar(entries));
  }
  return absl::StrFormat("%s/shard-{000..%03d}.tar", dir, shards - 1);
}

std::vector<Sample> ReadAll(SampleSource& source, int64_t* skipped = nullptr) {
  std::vector<Sample> out;
  while (true) {
    absl::StatusOr<std::optional<Sample>> s = NextSample(source, false, skipped);
    EXPECT_TRUE(s.ok()) << s.status();
    if (!s.ok() || !s->has_value()) return out;
    out.push_back(std::move(**s));
  }
}

std::vector<std::string> Keys(const std::vector<Sample>& samples) {
  std::vector<std::string> keys;
  for (const Sample& s : samples) keys.push_back(s.key);
  return keys;
}

TEST(ExpandBracesTest, RangesListsAndErrors) {
  EXPECT_EQ(*ExpandBraces("a-{000..002}.tar"),
            (std::vector<std::string>{"a-000.tar", "a-001.tar", "a-002.tar"}));
  EXPECT_EQ(*ExpandBraces("{x,y}-{8..10}"),
            (std::vector<std::string>{"x-8", "x-9", "x-10", "y-8", "y-9", "y-10"}));
  EXPECT_EQ(*ExpandBraces("plain.tar"), (std::vector<std::string>{"plain.tar"}));
  EXPECT_FALSE(ExpandBraces("a-{000..002.tar").ok());
  EXPECT_FALSE(ExpandBraces("a-}.tar").ok());
  EXPECT_FALSE(ExpandBraces("a-{5..2}.tar").ok());
  EXPECT_FALSE(ExpandBraces("a-{a..c}.tar").ok());
  EXPECT_FALSE(ExpandBraces("{0..99}{0..99}", 1000).ok());
  absl::Status nested = ExpandBraces("{a,{b}}").status();
  EXPECT_THAT(nested.message(), ::testing::HasSubstr("nested"));
}

TEST(SplitTarKeyTest, FirstDotOfTheFileName) {
  EXPECT_EQ(SplitTarKey("000123.png"), std::make_pair(std::string("000123"), std::string("png")));
  EXPECT_EQ(SplitTarKey("dir.v2/000123.0.png"),
            std::make_pair(std::string("dir.v2/000123"), std::string("0.png")));
  EXPECT_EQ(SplitTarKey("noext"), std::make_pair(std::string("noext"), std::string("")));
}

TEST(WebDatasetTest, ReadsShardsInOrderWithoutShuffling) {
  const std::string dir = testing::ScratchDir("wds_order");
  WebDatasetOptions o;
  o.shards = {WriteShards(dir, 2, 3)};
  o.shuffle_buffer = 0;
  auto source = WebDatasetSource::Create(o);
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->shard_paths().size(), 2u);
  std::vector<Sample> samples = ReadAll(**source);
  ASSERT_EQ(samples.size(), 6u);
  for (int i = 0; i < 6; ++i) {
    const Sample& s = samples[i];
    EXPECT_EQ(s.key, absl::StrCat("train/", i));
    EXPECT_EQ(s.image_id, i);
    EXPECT_EQ(s.task, "caption");
    ASSERT_EQ(s.turns.size(), 2u);
    EXPECT_EQ(s.turns[0].role, Turn::kUser);
    EXPECT_EQ(s.turns[0].text, "<image>");
    EXPECT_EQ(s.turns[1].role, Turn::kAssistant);
    EXPECT_EQ(s.turns[1].text, absl::StrCat("caption ", i));
    EXPECT_EQ(s.captions, std::vector<std::string>{absl::StrCat("caption ", i)});
    EXPECT_EQ(s.meta.at("kind"), "scene");
    ASSERT_EQ(s.images.size(), 1u);
    EXPECT_EQ(s.images[0].pixels, testing::TestImage(6, 4, i).pixels);
    EXPECT_EQ(s.source, absl::StrFormat("%s/shard-%03d.tar:%06d", dir, i / 3, i));
  }
  EXPECT_EQ((*source)->position(), (SourcePosition{0, 6}));
  EXPECT_EQ((*source)->stats().skipped, 0);
}

TEST(WebDatasetTest, MultiImageOrderFollowsTheJsonAndAnnotationsParse) {
  const std::string json = R"({"key": "doc/1", "task": "interleaved", "images": ["1.png", "0.png"],
    "turns": [{"role": "user", "text": "<image>then<image>?"}, {"role": "assistant", "text": "x"}],
    "vqa": {"question_id": 7, "question": "q", "answers": ["a", "b", "a"], "answer_type": "other",
            "question_type": "count"},
    "choice": {"question": "c", "options": ["o1", "o2"], "correct": 1},
    "preference": {"prompt": "<image>p", "chosen": "good", "rejected": "bad"},
    "unknown_field": [1, 2, 3]})";
  RawSample raw;
  raw.shard = "s.tar";
  raw.key = "000001";
  raw.members = {
      {"0.png", testing::TestPng(3, 3, 0)}, {"1.png", testing::TestPng(5, 2, 1)}, {"json", json}};
  absl::StatusOr<Sample> s = DecodeRawSample(raw, 3);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->images.size(), 2u);
  EXPECT_EQ(s->images[0].width, 5);  // images[0] is member 1.png
  EXPECT_EQ(s->images[1].width, 3);
  ASSERT_TRUE(s->vqa.has_value());
  EXPECT_EQ(s->vqa->question_id, 7);
  EXPECT_EQ(s->vqa->answers, (std::vector<std::string>{"a", "b", "a"}));
  EXPECT_EQ(s->vqa->question_type, "count");
  ASSERT_TRUE(s->choice.has_value());
  EXPECT_EQ(s->choice->correct, 1);
  ASSERT_TRUE(s->preference.has_value());
  EXPECT_EQ(s->preference->rejected, "bad");
  EXPECT_EQ(s->image_id, -1);
}

TEST(WebDatasetTest, TxtPlusImageLayout) {
  RawSample raw;
  raw.shard = "web.tar";
  raw.key = "abc";
  raw.members = {{"png", testing::TestPng(2, 2)}, {"txt", "a red cat"}};
  absl::StatusOr<Sample> s = DecodeRawSample(raw, 3);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->turns[1].text, "a red cat");
  EXPECT_EQ(s->images.size(), 1u);
}

TEST(WebDatasetTest, BadSamplesAreSkippedCountedAndNamed) {
  const std::string dir = testing::ScratchDir("wds_bad");
  std::vector<TarEntry> entries;
  auto add = [&](std::vector<TarEntry> e) {
    for (TarEntry& x : e) entries.push_back(std::move(x));
  };
  add(CaptionSample(0));
  add({{"000001.png", "not a png"}, {"000001.json", CaptionJson(1)}});                // bad image
  add({{"000002.png", testing::TestPng(2, 2)}});                                      // no json
  add({{"000003.png", testing::TestPng(2, 2)}, {"000003.json", "{\"key\": "}});       // bad JSON
  add({{"000004.png", testing::TestPng(2, 2)}, {"000004.json", R"({"key": "k"})"}});  // no turns
  add({{"000005.json", CaptionJson(5)}});  // the image member is missing
  add({{".hidden", "x"}});                 // no key: skipped by the reader
  add(CaptionSample(6));
  std::string tar = MakeTar(entries, false);
  // A corrupt header between samples.
  tar += testing::TarHeader("000007.json", 3, '0', /*checksum_delta=*/5) + testing::Padded("{}!");
  tar += MakeTar(CaptionSample(8));
  testing::WriteFile(dir + "/bad.tar", tar);

  WebDatasetOptions o;
  o.shards = {dir + "/bad.tar", dir + "/missing.tar"};
  o.shuffle_buffer = 0;
  auto source = WebDatasetSource::Create(o);
  ASSERT_TRUE(source.ok());
  int64_t skipped = 0;
  std::vector<Sample> samples = ReadAll(**source, &skipped);
  EXPECT_EQ(Keys(samples), (std::vector<std::string>{"train/0", "train/6", "train/8"}));
  EXPECT_EQ(skipped, 5);                     // samples 1-5 failed to decode
  EXPECT_EQ((*source)->stats().skipped, 3);  // .hidden, the corrupt header, missing.tar

  // Strict: the first bad sample is an error naming shard and key.
  o.strict = true;
  auto strict = WebDatasetSource::Create(o);
  ASSERT_TRUE(strict.ok());
  ASSERT_TRUE(NextSample(**strict, true).ok());
  absl::StatusOr<std::optional<Sample>> bad = NextSample(**strict, true);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), ::testing::HasSubstr("bad.tar"));
  EXPECT_THAT(bad.status().message(), ::testing::HasSubstr("000001"));
  // Each failure's message says what is wrong.
  RawSample raw{
      "s.tar", "000004", {{"json", R"({"key": "k", "turns": [{"role": "bot", "text": ""}]})"}}, ""};
  absl::Status role = DecodeRawSample(raw, 3).status();
  EXPECT_THAT(role.message(), ::testing::HasSubstr("turns[0].role")) << role;
  raw.members = {{"json", R"({"key": "k", "images": ["png"], "turns": []})"}};
  absl::Status count = DecodeRawSample(raw, 3).status();
  EXPECT_THAT(count.message(), ::testing::HasSubstr("0 <image> placeholders")) << count;
}

TEST(WebDatasetTest, StrictFailsOnAMissingShard) {
  WebDatasetOptions o;
  o.shards = {"/nonexistent/shard-{0..1}.tar"};
  o.strict = true;
  auto source = WebDatasetSource::Create(o);
  ASSERT_TRUE(source.ok());
  absl::StatusOr<std::optional<SampleTask>> t = (*source)->Next();
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), ::testing::HasSubstr("/nonexistent/shard-"));
}

TEST(WebDatasetTest, ShuffleIsSeededAPermutationAndVariesByEpoch) {
  const std::string dir = testing::ScratchDir("wds_shuffle");
  WebDatasetOptions o;
  o.shards = {WriteShards(dir, 3, 8)};
  o.shuffle_buffer = 5;
  o.seed = 11;
  auto a = WebDatasetSource::Create(o);
  auto b = WebDatasetSource::Create(o);
  std::vector<std::string> ka = Keys(ReadAll(**a)), kb = Keys(ReadAll(**b));
  EXPECT_EQ(ka, kb);
  std::vector<std::string> sorted = ka;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> expected;
  for (int i = 0; i < 24; ++i) expected.push_back(absl::StrCat("train/", i));
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(sorted, expected);
  std::vector<std::string> in_order;
  for (int i = 0; i < 24; ++i) in_order.push_back(absl::StrCat("train/", i));
  EXPECT_NE(ka, in_order);
  ASSERT_TRUE((*a)->Seek({1, 0}).ok());
  EXPECT_NE(Keys(ReadAll(**a)), ka);  // epoch 1 has another order
  o.seed = 12;
  auto c = WebDatasetSource::Create(o);
  EXPECT_NE(Keys(ReadAll(**c)), ka);
}

TEST(WebDatasetTest, SeekReplaysToTheExactPosition) {
  const std::string dir = testing::ScratchDir("wds_seek");
  WebDatasetOptions o;
  o.shards = {WriteShards(dir, 2, 10)};
  o.shuffle_buffer = 6;
  o.seed = 3;
  auto full = WebDatasetSource::Create(o);
  ASSERT_TRUE((*full)->Seek({2, 0}).ok());
  std::vector<std::string> all = Keys(ReadAll(**full));
  ASSERT_EQ(all.size(), 20u);
  auto resumed = WebDatasetSource::Create(o);
  ASSERT_TRUE((*resumed)->Seek({2, 7}).ok());
  EXPECT_EQ((*resumed)->position(), (SourcePosition{2, 7}));
  std::vector<std::string> rest = Keys(ReadAll(**resumed));
  EXPECT_EQ(rest, std::vector<std::string>(all.begin() + 7, all.end()));
  absl::Status past = (*resumed)->Seek({0, 21});
  EXPECT_TRUE(absl::IsOutOfRange(past)) << past;
}

// Random corruption of a shard never crashes; whatever comes out is well formed.
TEST(WebDatasetTest, SurvivesCorruptShards) {
  const std::string dir = testing::ScratchDir("wds_fuzz");
  std::vector<TarEntry> entries;
  for (int i = 0; i < 6; ++i) {
    for (TarEntry& e : CaptionSample(i)) entries.push_back(std::move(e));
  }
  const std::string clean = MakeTar(entries);
  std::mt19937 rng(5);
  for (int trial = 0; trial < 150; ++trial) {
    std::string bytes = clean;
    for (int k = 0, n = 1 + rng() % 30; k < n; ++k) bytes[rng() % bytes.size()] ^= 1 + rng() % 255;
    if (trial % 4 == 0) bytes.resize(rng() % bytes.size());
    testing::WriteFile(dir + "/fuzz.tar", bytes);
    WebDatasetOptions o;
    o.shards = {dir + "/fuzz.tar"};
    o.shuffle_buffer = trial % 2 ? 3 : 0;
    auto source = WebDatasetSource::Create(o);
    ASSERT_TRUE(source.ok());
    for (const Sample& s : ReadAll(**source)) {
      EXPECT_EQ(static_cast<int64_t>(s.images.size()), CountImagePlaceholders(s.turns));
    }
  }
}

}  // namespace
}  // namespace vlmlab::data
