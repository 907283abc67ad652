#include "platform/metrics/exact_match.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vlmlab::metrics {
namespace {

TEST(ExactMatchTest, Normalisations) {
  EXPECT_DOUBLE_EQ(ExactMatch("Paris", {"Paris"}, MatchNormalization::kNone), 1.0);
  EXPECT_DOUBLE_EQ(ExactMatch("paris", {"Paris"}, MatchNormalization::kNone), 0.0);
  EXPECT_DOUBLE_EQ(ExactMatch(" Paris. ", {"paris"}, MatchNormalization::kSimple), 1.0);
  EXPECT_DOUBLE_EQ(ExactMatch("new   York", {"New York"}, MatchNormalization::kSimple), 1.0);
  EXPECT_DOUBLE_EQ(ExactMatch("the paris", {"paris"}, MatchNormalization::kSimple), 0.0);
  EXPECT_DOUBLE_EQ(ExactMatch("The two cats", {"2 cats"}, MatchNormalization::kVqa), 1.0);
  EXPECT_DOUBLE_EQ(ExactMatch("rome", {"paris", "Rome"}, MatchNormalization::kSimple), 1.0);
}

TEST(ExactMatchTest, SimpleNormalisationIsUnicodeAware) {
  EXPECT_DOUBLE_EQ(ExactMatch("ÉCOLE", {"école"}, MatchNormalization::kSimple), 1.0);
  EXPECT_DOUBLE_EQ(ExactMatch("ΣΑΣ", {"σας"}, MatchNormalization::kSimple), 1.0);
  EXPECT_DOUBLE_EQ(ExactMatch("new\u3000york.", {"New York"}, MatchNormalization::kSimple), 1.0);
  EXPECT_DOUBLE_EQ(ExactMatch("STRASSE", {"straße"}, MatchNormalization::kSimple), 0.0);
  EXPECT_DOUBLE_EQ(ExactMatch("ÉCOLE", {"école"}, MatchNormalization::kNone), 0.0);
}

TEST(ExactMatchTest, EmptyPredictionAndGold) {
  EXPECT_DOUBLE_EQ(ExactMatch("", {"paris"}, MatchNormalization::kSimple), 0.0);
  EXPECT_DOUBLE_EQ(ExactMatch("", {""}, MatchNormalization::kSimple), 1.0);
  EXPECT_DOUBLE_EQ(ExactMatch("x", {}, MatchNormalization::kSimple), 0.0);
}

TEST(ExactMatchTest, ParseNames) {
  EXPECT_EQ(*ParseMatchNormalization("vqa"), MatchNormalization::kVqa);
  absl::StatusOr<MatchNormalization> bad = ParseMatchNormalization("loose");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), ::testing::HasSubstr("none, simple, vqa"));
}

}  // namespace
}  // namespace vlmlab::metrics
