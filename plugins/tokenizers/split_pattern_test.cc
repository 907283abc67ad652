// Patterns and split behaviours worked out by hand against the library's definitions
// (tokenizers/src/tokenizer/normalizer.rs split, pattern.rs find_matches).
#include "plugins/tokenizers/split_pattern.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/tokenizers/unicode_text.h"

namespace vlmlab::hf {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Ranges = std::vector<std::pair<size_t, size_t>>;

// The texts of the kept ranges.
std::vector<std::string> Pieces(const std::string& text, const Ranges& ranges) {
  std::vector<std::string> out;
  for (auto [a, b] : ranges) out.push_back(text.substr(a, b - a));
  return out;
}

std::vector<std::string> Split(const std::string& text, const std::string& literal,
                               SplitBehavior b) {
  absl::StatusOr<SplitPattern> p = SplitPattern::Literal(literal);
  EXPECT_TRUE(p.ok()) << p.status();
  return Pieces(text, ApplyBehavior(p->FindMatches(text), b));
}

TEST(SplitBehavior, EachBehaviourOnTheLibrarysOwnExample) {
  // The library's documented example: "the-final--countdown" split on '-'.
  const std::string t = "the-final--countdown";
  EXPECT_THAT(Split(t, "-", SplitBehavior::kRemoved), ElementsAre("the", "final", "countdown"));
  EXPECT_THAT(Split(t, "-", SplitBehavior::kIsolated),
              ElementsAre("the", "-", "final", "-", "-", "countdown"));
  EXPECT_THAT(Split(t, "-", SplitBehavior::kMergedWithPrevious),
              ElementsAre("the-", "final-", "-", "countdown"));
  EXPECT_THAT(Split(t, "-", SplitBehavior::kMergedWithNext),
              ElementsAre("the", "-final", "-", "-countdown"));
  EXPECT_THAT(Split(t, "-", SplitBehavior::kContiguous),
              ElementsAre("the", "-", "final", "--", "countdown"));
}

TEST(SplitBehavior, MatchesAtTheEdges) {
  EXPECT_THAT(Split("-a-", "-", SplitBehavior::kMergedWithPrevious), ElementsAre("-", "a-"));
  EXPECT_THAT(Split("-a-", "-", SplitBehavior::kMergedWithNext), ElementsAre("-a", "-"));
  EXPECT_THAT(Split("", "-", SplitBehavior::kIsolated), ElementsAre(""));
}

TEST(SplitPattern, LiteralsEscapeRegexSyntax) {
  EXPECT_THAT(Split("a.b.c", ".", SplitBehavior::kRemoved), ElementsAre("a", "b", "c"));
  EXPECT_THAT(Split("x(1)+(2)", "(", SplitBehavior::kRemoved), ElementsAre("x", "1)+", "2)"));
  EXPECT_EQ(OnigRegex::Escape("a.b|c-d"), "a\\.b\\|c\\-d");
}

TEST(SplitPattern, InvertSwapsMatchesAndGaps) {
  absl::StatusOr<SplitPattern> words = SplitPattern::Regex("[a-z]+");
  ASSERT_TRUE(words.ok());
  const std::string t = "ab, cd";
  EXPECT_THAT(Pieces(t, ApplyBehavior(Invert(words->FindMatches(t)), SplitBehavior::kRemoved)),
              ElementsAre("ab", "cd"));
}

TEST(OnigRegex, EmptyMatchesRightAfterAMatchAreSkipped) {
  absl::StatusOr<std::unique_ptr<OnigRegex>> re = OnigRegex::Compile("x*");
  ASSERT_TRUE(re.ok());
  // At 0 an empty match; at 1 "x"; the empty match at 2 follows it and is skipped; at 3 (the
  // end) an empty match again.
  EXPECT_THAT((*re)->FindAll("axb"),
              ElementsAre(std::make_pair(0u, 0u), std::make_pair(1u, 2u), std::make_pair(3u, 3u)));
}

TEST(OnigRegex, LookBehindSeesTheTextBeforeTheSearchStart) {
  absl::StatusOr<std::unique_ptr<OnigRegex>> re = OnigRegex::Compile("(?<=a)b");
  ASSERT_TRUE(re.ok());
  EXPECT_THAT((*re)->FindAll("abab"), ElementsAre(std::make_pair(1u, 2u), std::make_pair(3u, 4u)));
}

TEST(OnigRegex, BadPatternsNameTheProblem) {
  absl::StatusOr<std::unique_ptr<OnigRegex>> re = OnigRegex::Compile("[a-");
  ASSERT_FALSE(re.ok());
  EXPECT_THAT(re.status().message(), HasSubstr("regex \"[a-\" does not compile: "));
}

TEST(MatchChars, EachMatchingCharacterIsItsOwnMatch) {
  const std::string t = "a12b３";  // fullwidth 3 is numeric too
  EXPECT_THAT(Pieces(t, ApplyBehavior(MatchChars(t, IsNumeric), SplitBehavior::kIsolated)),
              ElementsAre("a", "1", "2", "b", "３"));
  EXPECT_THAT(Pieces(t, ApplyBehavior(MatchChars(t, IsNumeric), SplitBehavior::kContiguous)),
              ElementsAre("a", "12", "b", "３"));
}

}  // namespace
}  // namespace vlmlab::hf
