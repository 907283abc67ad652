// Learning-rate schedules (ScheduleSpec semantics) as pure functions of the step.
//
//   Schedule s{ScheduleKind::kCosine, /*peak_lr=*/1e-3, /*warmup_steps=*/100,
//              /*total_steps=*/2000, /*min_lr_ratio=*/0.1};
//   double lr = LearningRate(s, step);      // step = 0, 1, ..., total_steps - 1
//
// `step` is the 0-based index of the optimizer step about to run (the value of
// Optimizer::step_count() before Step). With W = warmup_steps and T = total_steps:
// - warmup, step < W: peak * (step + 1) / W (the first step is not wasted at lr 0; step W - 1
//   reaches the peak);
// - decay, step >= W: progress p = (step - W) / max(1, T - 1 - W), clamped to [0, 1], from the
//   peak at step W to peak * min_lr_ratio at the last step T - 1 (and after it):
//     constant: peak (min_lr_ratio unused)
//     linear:   peak * (1 - (1 - r) p)
//     cosine:   peak * (r + (1 - r) (1 + cos(pi p)) / 2)
#ifndef VLMLAB_PLATFORM_OPTIM_SCHEDULE_H_
#define VLMLAB_PLATFORM_OPTIM_SCHEDULE_H_

#include <cstdint>

#include "absl/status/status.h"

namespace vlmlab::optim {

enum class ScheduleKind { kConstant, kLinear, kCosine };

struct Schedule {
  ScheduleKind kind = ScheduleKind::kCosine;
  double peak_lr = 1e-3;
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;
  double min_lr_ratio = 0.1;
};

// peak_lr > 0, warmup_steps >= 0, total_steps >= 1, 0 <= min_lr_ratio <= 1.
absl::Status ValidateSchedule(const Schedule& s);

// The learning rate of step `step` (negative steps count as 0).
double LearningRate(const Schedule& s, int64_t step);

}  // namespace vlmlab::optim

#endif  // VLMLAB_PLATFORM_OPTIM_SCHEDULE_H_
