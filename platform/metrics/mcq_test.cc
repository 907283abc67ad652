// Parsing a generated multiple-choice answer into an option index, rule by rule.
#include "platform/metrics/mcq.h"

#include "gtest/gtest.h"

namespace vlmlab::metrics {
namespace {

TEST(McqTest, BareLetters) {
  EXPECT_EQ(ParseChoice("B", 4), 1);
  EXPECT_EQ(ParseChoice("(B)", 4), 1);
  EXPECT_EQ(ParseChoice("B.", 4), 1);
  EXPECT_EQ(ParseChoice(" [c] ", 4), 2);
  EXPECT_EQ(ParseChoice("b", 4), 1);
  EXPECT_EQ(ParseChoice("A", 4), 0);
  EXPECT_EQ(ParseChoice("E", 4), -1);  // beyond the options
  EXPECT_EQ(ParseChoice("E", 0), 4);   // 0: any letter
}

TEST(McqTest, LeadingLabels) {
  EXPECT_EQ(ParseChoice("B. A red car", 4), 1);
  EXPECT_EQ(ParseChoice("(C) the dog", 4), 2);
  EXPECT_EQ(ParseChoice("D) none", 4), 3);
  EXPECT_EQ(ParseChoice("A: yes", 4), 0);
}

TEST(McqTest, Phrases) {
  EXPECT_EQ(ParseChoice("The answer is B", 4), 1);
  EXPECT_EQ(ParseChoice("The answer is B.", 4), 1);
  EXPECT_EQ(ParseChoice("The correct answer is (C).", 4), 2);
  EXPECT_EQ(ParseChoice("Answer: D", 4), 3);
  EXPECT_EQ(ParseChoice("I would pick option b)", 4), 1);
  EXPECT_EQ(ParseChoice("The answer is option A because it is red", 4), 0);
  // "answer is a ..." is an article, not option A.
  EXPECT_EQ(ParseChoice("The answer is a cat", 4), -1);
}

TEST(McqTest, OptionTextAndLoneLetters) {
  const std::vector<std::string> options = {"a cat", "a dog", "a bird"};
  EXPECT_EQ(ParseChoice("A dog.", 3, options), 1);
  EXPECT_EQ(ParseChoice("I think it is C", 4), 2);  // "I" is a word, not option I
  EXPECT_EQ(ParseChoice("B or C", 4), -1);          // two letters: ambiguous
  EXPECT_EQ(ParseChoice("It's C, clearly", 4), 2);
}

TEST(McqTest, Unparseable) {
  EXPECT_EQ(ParseChoice("", 4), -1);
  EXPECT_EQ(ParseChoice("   ", 4), -1);
  EXPECT_EQ(ParseChoice("no idea", 4), -1);
  EXPECT_EQ(ChoiceLetter(2), "C");
}

}  // namespace
}  // namespace vlmlab::metrics
