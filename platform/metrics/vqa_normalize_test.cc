// Each rule of the official VQAv2 answer normalisation (vqaEval.py), checked by hand.
#include "platform/metrics/vqa_normalize.h"

#include <string>

#include "gtest/gtest.h"

namespace vlmlab::metrics {
namespace {

TEST(VqaNormalizeTest, NumberWordsBecomeDigits) {
  EXPECT_EQ(NormalizeVqaAnswer("two"), "2");
  EXPECT_EQ(NormalizeVqaAnswer("Two"), "2");  // lowercased before the map
  EXPECT_EQ(NormalizeVqaAnswer("two dogs"), "2 dogs");
  EXPECT_EQ(NormalizeVqaAnswer("none"), "0");
  EXPECT_EQ(NormalizeVqaAnswer("zero"), "0");
  EXPECT_EQ(NormalizeVqaAnswer("ten"), "10");
  EXPECT_EQ(NormalizeVqaAnswer("eleven"), "eleven");  // the map stops at ten
  EXPECT_EQ(NormalizeVqaAnswer("twenty two"), "twenty 2");
  EXPECT_EQ(NormalizeVqaAnswer("someone"), "someone");  // whole words only
}

TEST(VqaNormalizeTest, ArticlesAreDropped) {
  EXPECT_EQ(NormalizeVqaAnswer("a dog"), "dog");
  EXPECT_EQ(NormalizeVqaAnswer("The Cat"), "cat");
  EXPECT_EQ(NormalizeVqaAnswer("an apple"), "apple");
  EXPECT_EQ(NormalizeVqaAnswer("the"), "");
  EXPECT_EQ(NormalizeVqaAnswer("theater"), "theater");
  EXPECT_EQ(NormalizeVqaAnswer("on a table"), "on table");
}

TEST(VqaNormalizeTest, ContractionsFromTheScriptsTable) {
  EXPECT_EQ(NormalizeVqaAnswer("dont"), "don't");
  EXPECT_EQ(NormalizeVqaAnswer("dont know"), "don't know");
  EXPECT_EQ(NormalizeVqaAnswer("isnt"), "isn't");
  EXPECT_EQ(NormalizeVqaAnswer("oclock"), "o'clock");
  EXPECT_EQ(NormalizeVqaAnswer("whats"), "what's");
  // "its" is not in the table, and the apostrophe is not in the punctuation list, so "its" and
  // "it's" stay different answers.
  EXPECT_EQ(NormalizeVqaAnswer("its"), "its");
  EXPECT_EQ(NormalizeVqaAnswer("it's"), "it's");
  EXPECT_EQ(NormalizeVqaAnswer("don't"), "don't");
  // The table's capitalised keys never match: the text is lowercased first.
  EXPECT_EQ(NormalizeVqaAnswer("Im"), "im");
  EXPECT_EQ(NormalizeVqaAnswer("somebody'd"), "somebodyd");  // the table's reversed entry
}

TEST(VqaNormalizeTest, CommasInNumbers) {
  EXPECT_EQ(NormalizeVqaAnswer("1,000"), "1000");
  EXPECT_EQ(NormalizeVqaAnswer("10,000,000"), "10000000");
  // With a digit comma anywhere, every punctuation mark is deleted rather than spaced.
  EXPECT_EQ(VqaProcessPunctuation("1,000-2,000"), "10002000");
  // Without one, a mark not next to a space becomes a space...
  EXPECT_EQ(VqaProcessPunctuation("red,blue"), "red blue");
  EXPECT_EQ(NormalizeVqaAnswer("t-shirt"), "t shirt");
  // ...and a mark next to a space is deleted.
  EXPECT_EQ(VqaProcessPunctuation("red, blue"), "red blue");
  EXPECT_EQ(VqaProcessPunctuation("1, 2"), "1 2");
}

TEST(VqaNormalizeTest, PeriodsNotFollowedByADigitAreDeleted) {
  EXPECT_EQ(NormalizeVqaAnswer("3.5"), "3.5");
  EXPECT_EQ(NormalizeVqaAnswer("yes."), "yes");
  EXPECT_EQ(NormalizeVqaAnswer("u.s.a."), "usa");
  EXPECT_EQ(NormalizeVqaAnswer("mr. smith"), "mr smith");
  EXPECT_EQ(NormalizeVqaAnswer("1.5."), "1.5");
  EXPECT_EQ(NormalizeVqaAnswer(".5"), ".5");
  // At most 32 go: the script passes re.UNICODE (32) as re.sub's count.
  EXPECT_EQ(VqaProcessPunctuation("x" + std::string(40, '.')), "x" + std::string(8, '.'));
}

TEST(VqaNormalizeTest, OtherPunctuation) {
  EXPECT_EQ(NormalizeVqaAnswer("yes!"), "yes");
  EXPECT_EQ(NormalizeVqaAnswer("(a) dog"), "dog");
  EXPECT_EQ(NormalizeVqaAnswer("left/right"), "left right");
  EXPECT_EQ(NormalizeVqaAnswer("what?"), "what");
  EXPECT_EQ(NormalizeVqaAnswer("10:30"), "10:30");  // colons are not in the list
  EXPECT_EQ(NormalizeVqaAnswer("\"quoted\""), "quoted");
}

TEST(VqaNormalizeTest, WhitespaceAndEmpty) {
  EXPECT_EQ(NormalizeVqaAnswer("  yes\n"), "yes");
  EXPECT_EQ(NormalizeVqaAnswer("red\tcar"), "red car");
  EXPECT_EQ(NormalizeVqaAnswer("a   b"), "b");
  EXPECT_EQ(NormalizeVqaAnswer(""), "");
  EXPECT_EQ(NormalizeVqaAnswer("   "), "");
}

TEST(VqaNormalizeTest, ProcessDigitArticleAlone) {
  EXPECT_EQ(VqaProcessDigitArticle("The TWO Cats"), "2 cats");
  EXPECT_EQ(VqaProcessDigitArticle("cant  go"), "can't go");
}

}  // namespace
}  // namespace vlmlab::metrics
