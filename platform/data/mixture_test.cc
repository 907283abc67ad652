#include "platform/data/mixture.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vlmlab::data {
namespace {

std::unique_ptr<SampleSource> Source(const std::string& name, int64_t n, bool shuffle = false) {
  return std::make_unique<IndexedSource>(
      name, n,
      [name](int64_t i) -> absl::StatusOr<Sample> {
        Sample s;
        s.key = absl::StrCat(name, "/", i);
        return s;
      },
      shuffle, /*seed=*/9);
}

std::unique_ptr<Mixture> Mix(double w0, double w1, uint64_t seed, bool cycle, int64_t n0 = 10,
                             int64_t n1 = 10) {
  std::vector<MixtureEntry> e;
  e.push_back({Source("a", n0, true), w0});
  e.push_back({Source("b", n1, true), w1});
  absl::StatusOr<std::unique_ptr<Mixture>> m = Mixture::Create(std::move(e), seed, cycle);
  EXPECT_TRUE(m.ok()) << m.status();
  return std::move(*m);
}

// The keys of the next n draws.
std::vector<std::string> Draw(Mixture& m, int n) {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<std::optional<Mixture::Draw>> d = m.Next();
    EXPECT_TRUE(d.ok()) << d.status();
    if (!d.ok() || !d->has_value()) break;
    keys.push_back((*d)->task()->key);
  }
  return keys;
}

TEST(MixtureTest, ProportionsFollowTheWeights) {
  std::unique_ptr<Mixture> m = Mix(3, 1, 1, true);
  int a = 0;
  for (const std::string& k : Draw(*m, 8000)) a += k[0] == 'a';
  EXPECT_NEAR(a / 8000.0, 0.75, 0.02);
  // Cycling: 8000 draws of two 10-sample sources went through many epochs.
  EXPECT_GT(m->position().sources[0].epoch, 500);
}

TEST(MixtureTest, DeterministicBySeed) {
  EXPECT_EQ(Draw(*Mix(1, 1, 5, true), 50), Draw(*Mix(1, 1, 5, true), 50));
  EXPECT_NE(Draw(*Mix(1, 1, 5, true), 50), Draw(*Mix(1, 1, 6, true), 50));
}

TEST(MixtureTest, NonCyclingVisitsEverySampleOnceThenEnds) {
  std::unique_ptr<Mixture> m = Mix(1, 5, 2, false, 5, 3);
  std::vector<std::string> keys = Draw(*m, 100);
  EXPECT_EQ(keys.size(), 8u);
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), 8u);
  EXPECT_FALSE(m->Next()->has_value());
  EXPECT_EQ(m->position().exhausted, (std::vector<bool>{true, true}));
}

TEST(MixtureTest, SeekContinuesExactly) {
  for (bool cycle : {true, false}) {
    std::unique_ptr<Mixture> a = Mix(2, 1, 4, cycle, 7, 5);
    Draw(*a, 9);
    const std::string saved = a->position().ToString();
    std::vector<std::string> rest = Draw(*a, 30);
    absl::StatusOr<MixturePosition> p = MixturePosition::Parse(saved);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->ToString(), saved);
    std::unique_ptr<Mixture> b = Mix(2, 1, 4, cycle, 7, 5);
    ASSERT_TRUE(b->Seek(*p).ok());
    EXPECT_EQ(Draw(*b, 30), rest) << "cycle " << cycle;
  }
}

TEST(MixtureTest, PositionStrings) {
  MixturePosition p;
  p.step = 12;
  p.sources = {{1, 34}, {0, 5}};
  p.exhausted = {false, true};
  EXPECT_EQ(p.ToString(), "step=12;0=1/34;1=0/5!");
  EXPECT_EQ(*MixturePosition::Parse("step=12;0=1/34;1=0/5!"), p);
  for (const char* bad : {"", "step=x", "step=1;0=1", "step=1;1=0/0", "step=1;0=a/b", "step=-1"}) {
    absl::Status s = MixturePosition::Parse(bad).status();
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_THAT(s.message(), ::testing::HasSubstr("data position"));
  }
  std::unique_ptr<Mixture> m = Mix(1, 1, 0, true);
  MixturePosition one;
  one.sources = {{0, 0}};
  EXPECT_FALSE(m->Seek(one).ok());
}

TEST(MixtureTest, BadConfigurations) {
  EXPECT_FALSE(Mixture::Create({}, 0).ok());
  std::vector<MixtureEntry> e;
  e.push_back({Source("a", 3), 0.0});
  absl::Status zero = Mixture::Create(std::move(e), 0).status();
  EXPECT_THAT(zero.message(), ::testing::HasSubstr("weight 0")) << zero;
  std::vector<MixtureEntry> empty;
  empty.push_back({Source("empty", 0), 1.0});
  std::unique_ptr<Mixture> m = std::move(*Mixture::Create(std::move(empty), 0, true));
  absl::Status none = m->Next().status();
  EXPECT_THAT(none.message(), ::testing::HasSubstr("empty yields no samples")) << none;
}

}  // namespace
}  // namespace vlmlab::data
