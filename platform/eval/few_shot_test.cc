#include "platform/eval/few_shot.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace vlmlab::eval {
namespace {

Sample Vqa(const std::string& key, const std::string& question, const std::string& answer) {
  Sample s;
  s.key = key;
  s.images.push_back(Image{});
  s.images.back().width = s.images.back().height = 1;
  s.images.back().channels = 3;
  s.images.back().pixels.assign(3, static_cast<uint8_t>(key.size()));
  VqaAnnotation v;
  v.question = question;
  v.answers = {answer};
  s.vqa = v;
  return s;
}

std::optional<Demonstration> Format(const Sample& s) {
  if (!s.vqa.has_value()) return std::nullopt;
  return Demonstration{FormatPrompt("Q: {question} A:", s.vqa->question, s.images.size()),
                       s.vqa->answers[0]};
}

std::vector<Sample> Pool(int n) {
  std::vector<Sample> pool;
  for (int i = 0; i < n; ++i) {
    pool.push_back(Vqa(absl::StrCat("pool/", i), absl::StrCat("question ", i, "?"),
                       absl::StrCat("answer ", i)));
  }
  return pool;
}

TEST(FewShotTest, PromptsHoldKDemonstrationsBeforeTheQuery) {
  std::vector<Sample> pool = Pool(12);
  std::vector<Sample> queries = {Vqa("val/1", "how many?", "3"), Vqa("val/2", "what?", "cube")};
  absl::StatusOr<FewShotSet> set = WithDemonstrations(queries, pool, 3, 7, Format);
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->samples.size(), 2u);
  ASSERT_EQ(set->contexts.size(), 2u);
  for (size_t q = 0; q < 2; ++q) {
    const std::vector<Turn>& ctx = set->contexts[q];
    ASSERT_EQ(ctx.size(), 6u);  // (user, assistant) x 3
    std::set<std::string> keys(set->shot_keys[q].begin(), set->shot_keys[q].end());
    EXPECT_EQ(keys.size(), 3u) << "demonstrations are distinct";
    for (size_t k = 0; k < 3; ++k) {
      EXPECT_EQ(ctx[2 * k].role, Turn::kUser);
      EXPECT_EQ(ctx[2 * k + 1].role, Turn::kAssistant);
      EXPECT_TRUE(absl::StartsWith(ctx[2 * k].text, "<image>Q: question ")) << ctx[2 * k].text;
      // The answer shown is the demonstration's own.
      const std::string idx = set->shot_keys[q][k].substr(5);
      EXPECT_EQ(ctx[2 * k].text, absl::StrCat("<image>Q: question ", idx, "? A:"));
      EXPECT_EQ(ctx[2 * k + 1].text, absl::StrCat("answer ", idx));
    }
    // Images: the demonstrations' first, then the query's own, last.
    ASSERT_EQ(set->samples[q].images.size(), 4u);
    EXPECT_EQ(set->samples[q].images[3].pixels, queries[q].images[0].pixels);
    EXPECT_EQ(set->samples[q].key, queries[q].key);
  }
}

TEST(FewShotTest, DeterministicPerSeedAndDependsOnTheSeed) {
  std::vector<Sample> pool = Pool(30);
  std::vector<Sample> queries;
  for (int i = 0; i < 8; ++i) queries.push_back(Vqa(absl::StrCat("val/", i), "q?", "a"));
  absl::StatusOr<FewShotSet> a = WithDemonstrations(queries, pool, 2, 1, Format);
  absl::StatusOr<FewShotSet> b = WithDemonstrations(queries, pool, 2, 1, Format);
  absl::StatusOr<FewShotSet> c = WithDemonstrations(queries, pool, 2, 2, Format);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->shot_keys, b->shot_keys);
  EXPECT_NE(a->shot_keys, c->shot_keys);
  // A query's demonstrations do not depend on which other queries are evaluated.
  absl::StatusOr<FewShotSet> alone = WithDemonstrations({queries[5]}, pool, 2, 1, Format);
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ(alone->shot_keys[0], a->shot_keys[5]);
  // Different queries get different demonstrations (not one fixed set).
  std::set<std::vector<std::string>> distinct(a->shot_keys.begin(), a->shot_keys.end());
  EXPECT_GT(distinct.size(), 1u);
}

TEST(FewShotTest, NeverShowsTheQueryItself) {
  // The pool is the evaluation data: every query is in it.
  std::vector<Sample> pool = Pool(4);
  for (int seed = 0; seed < 50; ++seed) {
    absl::StatusOr<FewShotSet> set = WithDemonstrations(pool, pool, 3, seed, Format);
    ASSERT_TRUE(set.ok()) << set.status();
    for (size_t q = 0; q < pool.size(); ++q) {
      for (const std::string& k : set->shot_keys[q]) EXPECT_NE(k, pool[q].key) << seed;
      for (const Turn& t : set->contexts[q]) {
        EXPECT_NE(t.text, pool[q].vqa->answers[0]) << "query " << q << " sees its own answer";
      }
    }
  }
  // With the query excluded only 3 remain: 4 shots cannot be drawn.
  absl::StatusOr<FewShotSet> too_many = WithDemonstrations(pool, pool, 4, 0, Format);
  ASSERT_FALSE(too_many.ok());
  EXPECT_TRUE(absl::StrContains(too_many.status().message(), "only 3 usable"))
      << too_many.status();
}

TEST(FewShotTest, SkipsPoolSamplesTheFormatterRejects) {
  std::vector<Sample> pool = Pool(6);
  for (int i = 0; i < 4; ++i) pool[i].vqa.reset();  // only pool/4 and pool/5 can be shown
  absl::StatusOr<FewShotSet> set = WithDemonstrations({Vqa("val/0", "q?", "a")}, pool, 2, 3, Format);
  ASSERT_TRUE(set.ok()) << set.status();
  std::set<std::string> keys(set->shot_keys[0].begin(), set->shot_keys[0].end());
  EXPECT_EQ(keys, (std::set<std::string>{"pool/4", "pool/5"}));
}

TEST(FewShotTest, ZeroShotsLeavesQueriesAlone) {
  std::vector<Sample> queries = {Vqa("val/1", "q?", "a")};
  absl::StatusOr<FewShotSet> set = WithDemonstrations(queries, {}, 0, 0, Format);
  ASSERT_TRUE(set.ok());
  EXPECT_TRUE(set->contexts[0].empty());
  EXPECT_EQ(set->samples[0].images.size(), 1u);
}

}  // namespace
}  // namespace vlmlab::eval
