#include "platform/optim/schedule.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace vlmlab::optim {

absl::Status ValidateSchedule(const Schedule& s) {
  if (!(s.peak_lr > 0) || s.warmup_steps < 0 || s.total_steps < 1 || !(s.min_lr_ratio >= 0) ||
      s.min_lr_ratio > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("schedule: peak_lr ", s.peak_lr, " (> 0), warmup_steps ", s.warmup_steps,
                     " (>= 0), total_steps ", s.total_steps, " (>= 1), min_lr_ratio ",
                     s.min_lr_ratio, " (in [0, 1])"));
  }
  return absl::OkStatus();
}

double LearningRate(const Schedule& s, int64_t step) {
  step = std::max<int64_t>(step, 0);
  if (step < s.warmup_steps) {
    return s.peak_lr * static_cast<double>(step + 1) / static_cast<double>(s.warmup_steps);
  }
  double span = static_cast<double>(std::max<int64_t>(1, s.total_steps - 1 - s.warmup_steps));
  double p = std::clamp(static_cast<double>(step - s.warmup_steps) / span, 0.0, 1.0);
  double r = s.min_lr_ratio;
  switch (s.kind) {
    case ScheduleKind::kConstant:
      return s.peak_lr;
    case ScheduleKind::kLinear:
      return s.peak_lr * (1.0 - (1.0 - r) * p);
    case ScheduleKind::kCosine:
      return s.peak_lr * (r + (1.0 - r) * 0.5 * (1.0 + std::cos(M_PI * p)));
  }
  return s.peak_lr;
}

}  // namespace vlmlab::optim
