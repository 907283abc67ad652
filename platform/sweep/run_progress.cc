#include "platform/sweep/run_progress.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace vlmlab::sweep {

RunProgress ProgressOf(const std::vector<StagePlan>& stages,
                       const std::vector<store::ScalarPoint>& loss_points, absl::Duration elapsed) {
  RunProgress p;
  p.elapsed = elapsed;
  for (const StagePlan& s : stages) p.total += s.steps;
  // The latest point: the furthest stage in the plan's order, then the largest step.
  int best_stage = -1;
  const store::ScalarPoint* latest = nullptr;
  for (const store::ScalarPoint& point : loss_points) {
    int index = -1;
    for (size_t k = 0; k < stages.size(); ++k) {
      if (stages[k].name == point.stage) index = static_cast<int>(k);
    }
    if (index < 0) continue;
    if (latest == nullptr || index > best_stage ||
        (index == best_stage && point.step > latest->step)) {
      best_stage = index;
      latest = &point;
    }
  }
  if (latest == nullptr) return p;
  p.started = true;
  p.stage = latest->stage;
  p.stage_step = latest->step;
  p.stage_steps = stages[best_stage].steps;
  for (int k = 0; k < best_stage; ++k) p.done += stages[k].steps;
  p.done += latest->step;
  p.loss = latest->value;
  if (p.done > 0) {
    p.remaining = elapsed * (static_cast<double>(std::max<int64_t>(0, p.total - p.done)) /
                             static_cast<double>(p.done));
  }
  return p;
}

std::string FormatEta(absl::Duration d) {
  if (d == absl::InfiniteDuration()) return "unknown";
  const int64_t s = std::max<int64_t>(0, absl::ToInt64Seconds(d));
  if (s >= 3600) return absl::StrFormat("%dh%02dm", s / 3600, (s % 3600) / 60);
  if (s >= 60) return absl::StrFormat("%dm%02ds", s / 60, s % 60);
  return absl::StrCat(s, "s");
}

std::string FormatProgress(const RunProgress& p) {
  if (!p.started) return absl::StrCat("starting (", FormatEta(p.elapsed), ")");
  const int percent =
      p.total > 0 ? static_cast<int>(std::floor(100.0 * p.done / p.total)) : 0;
  return absl::StrFormat("%s %d/%d (run %d/%d steps, %d%%) loss %.4g ETA %s", p.stage,
                         p.stage_step, p.stage_steps, p.done, p.total, percent, p.loss,
                         FormatEta(p.remaining));
}

absl::Duration SweepEta(const std::vector<absl::Duration>& active_remaining, int64_t pending_runs,
                        absl::Duration per_run, int workers) {
  if (workers < 1) workers = 1;
  absl::Duration work;
  for (absl::Duration d : active_remaining) {
    if (d == absl::InfiniteDuration()) return d;
    work += d;
  }
  if (pending_runs > 0) {
    if (per_run == absl::InfiniteDuration()) return per_run;
    work += per_run * pending_runs;
  }
  return work / workers;
}

}  // namespace vlmlab::sweep
