// The PTB-style caption tokenisation approximation, case by case.
#include "platform/metrics/caption_tokenizer.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace vlmlab::metrics {
namespace {

using Tokens = std::vector<std::string>;

TEST(CaptionTokenizerTest, LowercasesAndDropsPunctuation) {
  EXPECT_EQ(TokenizeCaption("A man riding a horse."), (Tokens{"a", "man", "riding", "a", "horse"}));
  EXPECT_EQ(TokenizeCaption("Dogs, cats; birds: fish!? (maybe) [x] {y} \"z\" `w`"),
            (Tokens{"dogs", "cats", "birds", "fish", "maybe", "x", "y", "z", "w"}));
  EXPECT_EQ(TokenizeCaption("wait... -- now - ok"), (Tokens{"wait", "now", "ok"}));
  EXPECT_EQ(TokenizeCaption(""), Tokens{});
  EXPECT_EQ(TokenizeCaption(" .,! "), Tokens{});
}

TEST(CaptionTokenizerTest, KeepsWordInternalMarks) {
  EXPECT_EQ(TokenizeCaption("A black-and-white photo"), (Tokens{"a", "black-and-white", "photo"}));
  EXPECT_EQ(TokenizeCaption("3.5 feet, 1,000 people at 10:30"),
            (Tokens{"3.5", "feet", "1,000", "people", "at", "10:30"}));
  EXPECT_EQ(TokenizeCaption("and/or at&t o'clock"), (Tokens{"and/or", "at&t", "o'clock"}));
  EXPECT_EQ(TokenizeCaption("red,blue"), (Tokens{"red", "blue"}));  // not between digits
}

TEST(CaptionTokenizerTest, SplitsCliticsLikePtb) {
  EXPECT_EQ(TokenizeCaption("A man's dog"), (Tokens{"a", "man", "'s", "dog"}));
  EXPECT_EQ(TokenizeCaption("it doesn't fit"), (Tokens{"it", "does", "n't", "fit"}));
  EXPECT_EQ(TokenizeCaption("can't won't"), (Tokens{"ca", "n't", "wo", "n't"}));
  EXPECT_EQ(TokenizeCaption("they're we've I'm she'd you'll"),
            (Tokens{"they", "'re", "we", "'ve", "i", "'m", "she", "'d", "you", "'ll"}));
  EXPECT_EQ(TokenizeCaption("cannot"), (Tokens{"can", "not"}));
  EXPECT_EQ(TokenizeCaption("the dogs' bowls"), (Tokens{"the", "dogs", "bowls"}));
}

TEST(CaptionTokenizerTest, SymbolsAreTokens) {
  EXPECT_EQ(TokenizeCaption("$5 & 20% #1"), (Tokens{"$", "5", "&", "20", "%", "#", "1"}));
}

}  // namespace
}  // namespace vlmlab::metrics
