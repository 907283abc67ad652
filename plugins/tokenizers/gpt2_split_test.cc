// GPT-2's pre-tokenization split, checked against what the reference regex gives.
#include "plugins/tokenizers/gpt2_split.h"

#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vlmlab::bpe {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Split(absl::string_view text) {
  std::vector<std::string> out;
  for (absl::string_view piece : SplitGpt2(text)) out.emplace_back(piece);
  EXPECT_EQ(absl::StrJoin(out, ""), text);
  return out;
}

TEST(SplitGpt2, Contractions) {
  EXPECT_THAT(Split("I'm sure it's what they've said we'd do, y'all'll"),
              ElementsAre("I", "'m", " sure", " it", "'s", " what", " they", "'ve", " said", " we",
                          "'d", " do", ",", " y", "'", "all", "'ll"));
  EXPECT_THAT(Split("don't you're"), ElementsAre("don", "'t", " you", "'re"));
  // Case-sensitive, as in GPT-2; a lone apostrophe is punctuation.
  EXPECT_THAT(Split("DON'T 's"), ElementsAre("DON", "'", "T", " '", "s"));
}

TEST(SplitGpt2, Spaces) {
  // A run of spaces leaves its last one to the next word; at the end it stays whole.
  EXPECT_THAT(Split("a  b"), ElementsAre("a", " ", " b"));
  EXPECT_THAT(Split("a   \n\nb"), ElementsAre("a", "   \n", "\n", "b"));
  EXPECT_THAT(Split("end\n\n"), ElementsAre("end", "\n\n"));
  EXPECT_THAT(Split("a\tb"), ElementsAre("a", "\t", "b"));
  EXPECT_THAT(Split(" \t x"), ElementsAre(" \t", " x"));
  EXPECT_THAT(Split("  "), ElementsAre("  "));
  EXPECT_THAT(Split(" "), ElementsAre(" "));
  EXPECT_THAT(Split("x\xC2\xA0y"), ElementsAre("x", "\xC2\xA0", "y"));  // no-break space
  EXPECT_THAT(Split(""), ElementsAre());
}

TEST(SplitGpt2, LettersNumbersAndPunctuation) {
  EXPECT_THAT(Split("hello!!! 123abc 3.14"),
              ElementsAre("hello", "!!!", " 123", "abc", " 3", ".", "14"));
  EXPECT_THAT(Split("x2 (y)"), ElementsAre("x", "2", " (", "y", ")"));
  EXPECT_THAT(Split("¿Qué?"), ElementsAre("¿", "Qué", "?"));
  EXPECT_THAT(Split("Привет мир"), ElementsAre("Привет", " мир"));
  EXPECT_THAT(Split("日本語 テキスト"), ElementsAre("日本語", " テキスト"));
  EXPECT_THAT(Split("٣٤ ²"), ElementsAre("٣٤", " ²"));
  EXPECT_THAT(Split("hi 👋🏽!"),
              ElementsAre("hi", " 👋🏽!"));  // emoji are punctuation-class
}

TEST(SplitGpt2, ScriptsOutsideCommonRangesAreLetters) {
  // Oniguruma's Unicode tables: Tifinagh, Ol Chiki and Adlam letters are \p{L}; combining
  // marks are neither L nor N, so a mark after a letter starts a punctuation-class piece.
  EXPECT_THAT(Split("ⵜⴰⵎⴰⵣⵉⵖⵜ ᱥᱟᱱᱛᱟᱲᱤ 𞤀𞤣𞤤𞤢𞤥"), ElementsAre("ⵜⴰⵎⴰⵣⵉⵖⵜ", " ᱥᱟᱱᱛᱟᱲᱤ", " 𞤀𞤣𞤤𞤢𞤥"));
  EXPECT_THAT(Split("e\u0301x"), ElementsAre("e", "\u0301", "x"));
  EXPECT_THAT(Split("Ⅻ\u3000€"), ElementsAre("Ⅻ", "\u3000", "€"));
}

}  // namespace
}  // namespace vlmlab::bpe
