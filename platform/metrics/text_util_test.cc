// Python str semantics of the metric text helpers; expected values are CPython 3.11's.
#include "platform/metrics/text_util.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace vlmlab::metrics {
namespace {

TEST(TextUtilTest, LowerFollowsPythonFullCaseMapping) {
  EXPECT_EQ(PythonLower("Red DOG 1,000"), "red dog 1,000");
  EXPECT_EQ(PythonLower("ÉCOLE İ"), "école i\u0307");  // İ lowercases to two code points
  EXPECT_EQ(PythonLower("ΟΔΟΣ ΣΑΣ"), "οδος σας");      // final sigma by context
  EXPECT_EQ(PythonLower("STRASSE ß"), "strasse ß");
  EXPECT_EQ(PythonLower("ǅ Ⅻ"), "ǆ ⅻ");
  // Malformed UTF-8 is kept byte for byte; the text around it is still mapped.
  EXPECT_EQ(PythonLower("É\xff\xfeÉ"), "é\xff\xfeé");
}

TEST(TextUtilTest, WhitespaceIsPythonsUnicodeWhitespace) {
  // Exactly CPython's str.isspace() set.
  const std::vector<char32_t> spaces = {0x9,    0xa,    0xb,    0xc,    0xd,    0x1c,   0x1d,
                                        0x1e,   0x1f,   0x20,   0x85,   0xa0,   0x1680, 0x2000,
                                        0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007,
                                        0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f,
                                        0x3000};
  size_t count = 0;
  for (char32_t c = 0; c < 0x110000; ++c) {
    if (!IsPythonSpace(c)) continue;
    ASSERT_LT(count, spaces.size()) << std::hex << static_cast<uint32_t>(c);
    EXPECT_EQ(c, spaces[count]);
    ++count;
  }
  EXPECT_EQ(count, spaces.size());
  EXPECT_EQ(SplitWhitespace("  a \t b\u3000c\u200bd\u00a0"),
            (std::vector<std::string>{"a", "b", "c\u200bd"}));
  EXPECT_EQ(StripWhitespace("\u2028\u00a0a b \n\u3000"), "a b");
  EXPECT_EQ(StripWhitespace("\u3000"), "");
  EXPECT_EQ(StripWhitespace("\xff "), "\xff");
}

TEST(TextUtilTest, DecimalDigitsAreCategoryNd) {
  EXPECT_TRUE(IsDecimalDigit('7'));
  EXPECT_TRUE(IsDecimalDigit(0x0663));   // ARABIC-INDIC DIGIT THREE
  EXPECT_TRUE(IsDecimalDigit(0xFF15));   // FULLWIDTH DIGIT FIVE
  EXPECT_FALSE(IsDecimalDigit(0x00B2));  // SUPERSCRIPT TWO: No, not Nd
  EXPECT_FALSE(IsDecimalDigit(0x216B));  // ROMAN NUMERAL TWELVE: Nl
  EXPECT_FALSE(IsDecimalDigit('a'));
}

TEST(TextUtilTest, CodePointsAroundAByte) {
  const std::string text = "a\u0663b";
  size_t length = 0;
  EXPECT_EQ(CodePointAt(text, 1, &length), 0x0663u);
  EXPECT_EQ(length, 2u);
  EXPECT_EQ(CodePointBefore(text, 3), 0x0663u);
  EXPECT_EQ(CodePointBefore(text, 0), 0xFFFFu);
  EXPECT_EQ(CodePointAt("\xff", 0, &length), 0xFFFFu);
  EXPECT_EQ(length, 1u);
}

}  // namespace
}  // namespace vlmlab::metrics
