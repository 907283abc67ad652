// Live progress of a sweep's runs, from what the workers record in the store: each active
// run's stage, step out of the stage's steps, last logged loss and an estimate of the time
// left, and the sweep's overall estimate.
//
//   RunProgress p = ProgressOf(cmd.stages, loss_points, /*elapsed=*/absl::Seconds(95));
//   std::string line = FormatProgress(p);
//   // "captions 1200/2000 (run 1200/4400 steps, 27%) loss 0.412 ETA 4m15s"
//   absl::Duration left = SweepEta({p.remaining}, /*pending_runs=*/6, mean_run, /*workers=*/2);
//
// Estimates are linear in steps: a run's time per step so far, times the steps left (the
// evaluation at the end is not counted).
#ifndef VLMLAB_PLATFORM_SWEEP_RUN_PROGRESS_H_
#define VLMLAB_PLATFORM_SWEEP_RUN_PROGRESS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "platform/store/store.h"

namespace vlmlab::sweep {

// A stage of a run, as the experiment declares it.
struct StagePlan {
  std::string name;
  int64_t steps = 0;
};

struct RunProgress {
  bool started = false;        // a loss was logged
  std::string stage;           // the stage of the last logged loss
  int64_t stage_step = 0;      // its step
  int64_t stage_steps = 0;     // the stage's steps
  int64_t done = 0;            // steps done over the whole run
  int64_t total = 0;           // steps of the whole run
  double loss = 0;             // last logged
  absl::Duration elapsed;      // since the worker started
  absl::Duration remaining = absl::InfiniteDuration();  // estimate; infinite before any step
};

// `loss_points`: the run's "loss" scalars (any order).
RunProgress ProgressOf(const std::vector<StagePlan>& stages,
                       const std::vector<store::ScalarPoint>& loss_points, absl::Duration elapsed);

// "captions 1200/2000 (run 1200/4400 steps, 27%) loss 0.412 ETA 4m15s", or "starting
// (12s)" before the first logged loss.
std::string FormatProgress(const RunProgress& p);

// Time until the sweep ends: the active runs' remaining times and `pending_runs` runs of
// `per_run` each, spread over `workers`. Infinite when an active run has no estimate yet or
// per_run is unknown (infinite) while runs are pending.
absl::Duration SweepEta(const std::vector<absl::Duration>& active_remaining, int64_t pending_runs,
                        absl::Duration per_run, int workers);

// "4m15s", "1h02m", "unknown" for an infinite duration.
std::string FormatEta(absl::Duration d);

}  // namespace vlmlab::sweep

#endif  // VLMLAB_PLATFORM_SWEEP_RUN_PROGRESS_H_
