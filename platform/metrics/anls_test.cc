// ANLS as the DocVQA script computes it, with hand-computed edit distances.
#include "platform/metrics/anls.h"

#include "gtest/gtest.h"
#include "platform/metrics/text_util.h"

namespace vlmlab::metrics {
namespace {

TEST(AnlsTest, ExactAndCaseInsensitive) {
  EXPECT_DOUBLE_EQ(Anls("Denver Broncos", {"Denver Broncos", "Denver R. Broncos"}), 1.0);
  EXPECT_DOUBLE_EQ(Anls("dr. lobo", {"Dear Dr. Lobo", "Dr. Lobo"}), 1.0);
}

TEST(AnlsTest, PartialCreditAboveTheThreshold) {
  EXPECT_NEAR(Anls("12/15/89", {"12/15/88"}), 1 - 1.0 / 8, 1e-12);
  // "dr. lobo" vs "dear dr. lobo": 5 insertions over 13 characters.
  EXPECT_NEAR(Anls("Dr. Lobo", {"Dear Dr. Lobo"}), 1 - 5.0 / 13, 1e-12);
  // The best gold answer counts.
  EXPECT_NEAR(Anls("abcx", {"zzzz", "abcd"}), 0.75, 1e-12);
}

TEST(AnlsTest, ThresholdBoundary) {
  EXPECT_NEAR(Anls("abxy", {"abcd"}), 0.5, 1e-12);  // NL = 0.5 is kept: 1 - NL is not < 0.5
  EXPECT_DOUBLE_EQ(Anls("axyzw", {"abcde"}), 0.0);  // NL = 0.8
  EXPECT_DOUBLE_EQ(Anls("abxyz", {"abcde"}), 0.0);  // NL = 0.6: 0.4 < 0.5
  EXPECT_NEAR(Anls("abxy", {"abcd"}, 0.6), 0.0, 1e-12);
}

TEST(AnlsTest, WhitespaceIsCollapsedButLengthsAreOfTheRawStrings) {
  EXPECT_DOUBLE_EQ(Anls("  PARIS ", {"paris"}), 1.0);
  // Distance 1 ("x" vs "s") over max(len("  PARIX "), len("paris")) = 8, the script's quirk.
  EXPECT_NEAR(Anls("  PARIX ", {"paris"}), 1 - 1.0 / 8, 1e-12);
  EXPECT_DOUBLE_EQ(Anls("new  york", {"new york"}), 1.0);
}

TEST(AnlsTest, EmptyStrings) {
  EXPECT_DOUBLE_EQ(Anls("", {"abc"}), 0.0);
  EXPECT_DOUBLE_EQ(Anls("", {""}), 1.0);
  EXPECT_DOUBLE_EQ(Anls("abc", {}), 0.0);
}

TEST(AnlsTest, CountsCodePointsNotBytes) {
  EXPECT_NEAR(Anls("café", {"cafe"}), 0.75, 1e-12);
  EXPECT_EQ(CodePoints("café").size(), 4u);
  EXPECT_EQ(LevenshteinDistance(CodePoints("kitten"), CodePoints("sitting")), 3u);
}

TEST(AnlsTest, LowercasingAndWhitespaceAreUnicode) {
  // Python's "ÉCOLE".lower() == "école": a full match, where ASCII lowercasing left É.
  EXPECT_DOUBLE_EQ(Anls("ÉCOLE", {"école"}), 1.0);
  EXPECT_DOUBLE_EQ(Anls("ΟΔΟΣ", {"οδος"}), 1.0);  // final sigma
  // U+3000 and U+00A0 are whitespace to str.split(): collapsed like spaces.
  EXPECT_DOUBLE_EQ(Anls("new\u3000york", {"new\u00a0york"}), 1.0);
  // "İ".lower() is two code points (i + combining dot): one edit from "i", over the lengths
  // of the raw strings (1 each), so NL = 1 and the score is 0.
  EXPECT_DOUBLE_EQ(Anls("İ", {"i"}), 0.0);
}

}  // namespace
}  // namespace vlmlab::metrics
