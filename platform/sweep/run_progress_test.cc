#include "platform/sweep/run_progress.h"

#include "gtest/gtest.h"

namespace vlmlab::sweep {
namespace {

store::ScalarPoint Loss(const std::string& stage, int64_t step, double value) {
  return store::ScalarPoint{"r", stage, step, "loss", value, absl::Now()};
}

TEST(RunProgress, TheLatestPointInStageOrderGivesStepsLossAndEta) {
  std::vector<StagePlan> stages = {{"captions", 2000}, {"vqa", 2400}};
  // Points out of order; the second stage's step 100 is the latest.
  std::vector<store::ScalarPoint> points = {Loss("vqa", 100, 0.5), Loss("captions", 2000, 0.9),
                                            Loss("captions", 1900, 1.0), Loss("vqa", 50, 0.7)};
  RunProgress p = ProgressOf(stages, points, absl::Seconds(210));
  ASSERT_TRUE(p.started);
  EXPECT_EQ(p.stage, "vqa");
  EXPECT_EQ(p.stage_step, 100);
  EXPECT_EQ(p.stage_steps, 2400);
  EXPECT_EQ(p.done, 2100);
  EXPECT_EQ(p.total, 4400);
  EXPECT_DOUBLE_EQ(p.loss, 0.5);
  // 210 s for 2100 steps: 0.1 s a step, 2300 left.
  EXPECT_EQ(p.remaining, absl::Seconds(230));
  EXPECT_EQ(FormatProgress(p), "vqa 100/2400 (run 2100/4400 steps, 47%) loss 0.5 ETA 3m50s");
}

TEST(RunProgress, BeforeTheFirstLossThereIsNoEstimate) {
  RunProgress p = ProgressOf({{"a", 10}}, {Loss("other", 5, 1)}, absl::Seconds(12));
  EXPECT_FALSE(p.started);
  EXPECT_EQ(p.remaining, absl::InfiniteDuration());
  EXPECT_EQ(FormatProgress(p), "starting (12s)");
}

TEST(SweepEta, SpreadsActiveAndPendingWorkOverTheWorkers) {
  // 60 s + 120 s left, 3 runs of 300 s to go, 2 workers: (180 + 900) / 2.
  EXPECT_EQ(SweepEta({absl::Seconds(60), absl::Seconds(120)}, 3, absl::Seconds(300), 2),
            absl::Seconds(540));
  EXPECT_EQ(SweepEta({absl::InfiniteDuration()}, 0, absl::Seconds(1), 1),
            absl::InfiniteDuration());
  EXPECT_EQ(SweepEta({absl::Seconds(5)}, 2, absl::InfiniteDuration(), 1),
            absl::InfiniteDuration());
  EXPECT_EQ(FormatEta(absl::Seconds(3725)), "1h02m");
  EXPECT_EQ(FormatEta(absl::Seconds(59)), "59s");
  EXPECT_EQ(FormatEta(absl::InfiniteDuration()), "unknown");
}

}  // namespace
}  // namespace vlmlab::sweep
