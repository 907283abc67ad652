#include "platform/optim/schedule.h"

#include <cmath>

#include "gtest/gtest.h"

namespace vlmlab::optim {
namespace {

TEST(Schedule, CosineWithWarmupAtTheBoundaries) {
  Schedule s{ScheduleKind::kCosine, 1e-3, /*warmup=*/10, /*total=*/110, /*min_lr_ratio=*/0.1};
  ASSERT_TRUE(ValidateSchedule(s).ok());
  EXPECT_DOUBLE_EQ(LearningRate(s, 0), 1e-4);  // (0 + 1) / 10 of the peak
  EXPECT_DOUBLE_EQ(LearningRate(s, 4), 5e-4);
  EXPECT_DOUBLE_EQ(LearningRate(s, 9), 1e-3);   // last warmup step reaches the peak
  EXPECT_DOUBLE_EQ(LearningRate(s, 10), 1e-3);  // decay starts at the peak
  // Halfway through the decay (p = 0.5): r + (1 - r) / 2.
  Schedule even = s;
  even.total_steps = 111;  // decay span T - 1 - W = 100
  EXPECT_NEAR(LearningRate(even, 60), 1e-3 * 0.55, 1e-15);
  EXPECT_NEAR(LearningRate(s, 109), 1e-4, 1e-15);  // last step: min_lr_ratio * peak
  EXPECT_NEAR(LearningRate(s, 500), 1e-4, 1e-15);  // clamped after the end
  for (int64_t t = 10; t < 109; ++t) EXPECT_GT(LearningRate(s, t), LearningRate(s, t + 1)) << t;
}

TEST(Schedule, LinearAndConstant) {
  Schedule lin{ScheduleKind::kLinear, 2.0, /*warmup=*/0, /*total=*/5, /*min_lr_ratio=*/0.0};
  EXPECT_DOUBLE_EQ(LearningRate(lin, 0), 2.0);
  EXPECT_DOUBLE_EQ(LearningRate(lin, 1), 1.5);
  EXPECT_DOUBLE_EQ(LearningRate(lin, 2), 1.0);
  EXPECT_DOUBLE_EQ(LearningRate(lin, 4), 0.0);
  lin.min_lr_ratio = 0.5;
  lin.warmup_steps = 2;
  lin.total_steps = 7;  // decay over steps 2..6
  EXPECT_DOUBLE_EQ(LearningRate(lin, 0), 1.0);
  EXPECT_DOUBLE_EQ(LearningRate(lin, 1), 2.0);
  EXPECT_DOUBLE_EQ(LearningRate(lin, 2), 2.0);
  EXPECT_DOUBLE_EQ(LearningRate(lin, 4), 1.5);
  EXPECT_DOUBLE_EQ(LearningRate(lin, 6), 1.0);

  Schedule c{ScheduleKind::kConstant, 3e-4, /*warmup=*/3, /*total=*/100, /*min_lr_ratio=*/0.1};
  EXPECT_DOUBLE_EQ(LearningRate(c, 0), 1e-4);
  EXPECT_DOUBLE_EQ(LearningRate(c, 2), 3e-4);
  EXPECT_DOUBLE_EQ(LearningRate(c, 3), 3e-4);
  EXPECT_DOUBLE_EQ(LearningRate(c, 99), 3e-4);
}

TEST(Schedule, DegenerateSpansAndValidation) {
  Schedule one{ScheduleKind::kCosine, 1.0, 0, /*total=*/1, 0.1};
  EXPECT_DOUBLE_EQ(LearningRate(one, 0), 1.0);  // a single step runs at the peak
  Schedule all_warmup{ScheduleKind::kCosine, 1.0, /*warmup=*/4, /*total=*/4, 0.1};
  EXPECT_DOUBLE_EQ(LearningRate(all_warmup, 3), 1.0);
  EXPECT_DOUBLE_EQ(LearningRate(all_warmup, -2), 0.25);
  EXPECT_FALSE(ValidateSchedule({ScheduleKind::kCosine, 0.0, 0, 10, 0.1}).ok());
  EXPECT_FALSE(ValidateSchedule({ScheduleKind::kCosine, 1.0, -1, 10, 0.1}).ok());
  EXPECT_FALSE(ValidateSchedule({ScheduleKind::kCosine, 1.0, 0, 0, 0.1}).ok());
  EXPECT_FALSE(ValidateSchedule({ScheduleKind::kCosine, 1.0, 0, 10, 1.5}).ok());
}

}  // namespace
}  // namespace vlmlab::optim
