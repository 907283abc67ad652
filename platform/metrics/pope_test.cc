// POPE: the official yes/no parse of free text and the metrics with "yes" positive.
#include "platform/metrics/pope.h"

#include "gtest/gtest.h"

namespace vlmlab::metrics {
namespace {

TEST(PopeTest, ParsesLikeTheOfficialScript) {
  EXPECT_TRUE(PopeSaysYes("Yes"));
  EXPECT_TRUE(PopeSaysYes("Yes, there is a dog in the image."));
  EXPECT_FALSE(PopeSaysYes("No"));
  EXPECT_FALSE(PopeSaysYes("No, there is no dog."));
  EXPECT_FALSE(PopeSaysYes("There is not a dog"));
  EXPECT_FALSE(PopeSaysYes("no."));
  // Only the first sentence counts; "NO" and "Not" are not in the script's word list; an empty
  // answer is "yes".
  EXPECT_TRUE(PopeSaysYes("Yes. There is no cat."));
  EXPECT_TRUE(PopeSaysYes("NO"));
  EXPECT_TRUE(PopeSaysYes("Not at all"));
  EXPECT_TRUE(PopeSaysYes(""));
  EXPECT_FALSE(PopeSaysYes("Well, no"));  // the comma is deleted first
  EXPECT_TRUE(PopeSaysYes("nothing"));    // whole words only
  EXPECT_TRUE(PopeSaysYes("No\nthere"));  // split on spaces only, as the script does
}

TEST(PopeTest, MetricsByHand) {
  // labels: Y Y Y N N; predictions: Y N Y Y N -> TP 2, FN 1, FP 1, TN 1.
  const std::vector<bool> label = {true, true, true, false, false};
  const std::vector<bool> pred = {true, false, true, true, false};
  const PopeMetrics m = ComputePope(pred, label);
  EXPECT_EQ(m.tp, 2u);
  EXPECT_EQ(m.fn, 1u);
  EXPECT_EQ(m.fp, 1u);
  EXPECT_EQ(m.tn, 1u);
  EXPECT_DOUBLE_EQ(m.accuracy, 3.0 / 5);
  EXPECT_DOUBLE_EQ(m.precision, 2.0 / 3);
  EXPECT_DOUBLE_EQ(m.recall, 2.0 / 3);
  EXPECT_NEAR(m.f1, 2.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(m.yes_ratio, 3.0 / 5);
  // A resample {3, 3}: two false positives.
  const PopeMetrics r = ComputePope(pred, label, {3, 3});
  EXPECT_EQ(r.fp, 2u);
  EXPECT_DOUBLE_EQ(r.accuracy, 0.0);
  EXPECT_DOUBLE_EQ(r.precision, 0.0);
  EXPECT_DOUBLE_EQ(r.recall, 0.0);  // no positives: 0/0 reported as 0
  EXPECT_DOUBLE_EQ(r.f1, 0.0);
}

}  // namespace
}  // namespace vlmlab::metrics
