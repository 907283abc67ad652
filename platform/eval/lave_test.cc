#include "platform/eval/lave.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace vlmlab::eval {
namespace {

TEST(LaveTest, PromptHoldsQuestionDistinctReferencesAndCandidate) {
  std::string p = LavePrompt("What color is the cube?", {"red", "red", "dark red", "red"}, "Red.");
  EXPECT_TRUE(absl::StartsWith(p, "You are given a question, a set of gold-standard reference"));
  EXPECT_TRUE(absl::StrContains(p, "Question: 'What color is the cube?'\n"));
  EXPECT_TRUE(absl::StrContains(p, "Reference answers: 'red, dark red'\n"));
  EXPECT_TRUE(absl::EndsWith(p, "Candidate answer: 'Red.'\nOutput:"));
  // Placeholder-looking text inside an answer is not substituted again.
  std::string q = LavePrompt("{candidate}?", {"x"}, "{question}");
  EXPECT_TRUE(absl::StrContains(q, "Question: '{candidate}?'"));
  EXPECT_TRUE(absl::StrContains(q, "Candidate answer: '{question}'"));
}

TEST(LaveTest, TemplateIsPinned) {
  // Changing the prompt changes every recorded hash: bump kLavePromptVersion with it.
  EXPECT_EQ(std::string(kLavePromptVersion), "lave-v1");
  EXPECT_EQ(LavePromptTemplate(),
            "You are given a question, a set of gold-standard reference answers written by "
            "experts, and a candidate answer. Please rate the accuracy of the candidate answer "
            "for the question considering the reference answers. Use a scale of 1-3, with 1 "
            "indicating an incorrect or irrelevant answer, 2 indicating an ambiguous or "
            "incomplete answer, and 3 indicating a correct answer. Give the rationale before "
            "rating.\n"
            "THIS IS VERY IMPORTANT: A binary question should only be answered with 'yes' or "
            "'no', otherwise the candidate answer is incorrect.\n\n"
            "Question: '{question}'\n"
            "Reference answers: '{references}'\n"
            "Candidate answer: '{candidate}'\n"
            "Output:");
}

TEST(LaveTest, ParsesRatingsFromJudgeReplies) {
  EXPECT_EQ(ParseLaveRating("The candidate names the colour. So rating=3"), 3);
  EXPECT_EQ(ParseLaveRating("It is partly right. So rating = 2."), 2);
  EXPECT_EQ(ParseLaveRating("Rating: 1"), 1);
  EXPECT_EQ(ParseLaveRating("RATING=2"), 2);
  // The last rating wins.
  EXPECT_EQ(ParseLaveRating("rating=1 at first, but on reflection rating=3"), 3);
  // "rating" without a value before a real one.
  EXPECT_EQ(ParseLaveRating("So rating=2. This rating is final"), 2);
  // A bare digit.
  EXPECT_EQ(ParseLaveRating(" 3 "), 3);
  EXPECT_EQ(ParseLaveRating("1."), 1);
}

TEST(LaveTest, UnparseableRepliesGiveNoRating) {
  EXPECT_EQ(ParseLaveRating(""), std::nullopt);
  EXPECT_EQ(ParseLaveRating("the answer is correct"), std::nullopt);
  EXPECT_EQ(ParseLaveRating("So rating=4"), std::nullopt);
  EXPECT_EQ(ParseLaveRating("So rating=0"), std::nullopt);
  EXPECT_EQ(ParseLaveRating("So rating=30"), std::nullopt);
  EXPECT_EQ(ParseLaveRating("rating=excellent"), std::nullopt);
  EXPECT_EQ(ParseLaveRating("12"), std::nullopt);
  EXPECT_EQ(ParseLaveRating("\xff\xfe"), std::nullopt);
}

TEST(LaveTest, RatingsMapToZeroHalfOne) {
  EXPECT_EQ(LaveScore(1), 0.0);
  EXPECT_EQ(LaveScore(2), 0.5);
  EXPECT_EQ(LaveScore(3), 1.0);
}

}  // namespace
}  // namespace vlmlab::eval
