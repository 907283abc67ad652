#include "platform/runner/progress.h"

#include <cmath>

#include "absl/strings/str_format.h"

namespace vlmlab::runner {

Progress::Progress(std::string stage, int64_t start_step, int64_t total_steps, bool interactive,
                   FILE* out)
    : stage_(std::move(stage)),
      total_(total_steps),
      interactive_(interactive),
      out_(out),
      start_(start_step) {}

std::string Progress::FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  int64_t s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return absl::StrFormat("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  return absl::StrFormat("%d:%02d", s / 60, s % 60);
}

std::string Progress::Line(const train::StepRecord& r) const {
  // Seconds per step over this process's steps, for the ETA.
  int64_t done_here = r.step - start_;
  double eta = done_here > 0 && r.elapsed_s > 0
                   ? (total_ - r.step) * (r.elapsed_s / static_cast<double>(done_here))
                   : NAN;
  return absl::StrFormat("%s %d/%d loss %.4f lr %.2e gnorm %.3g %.1f samples/s ETA %s",
                         stage_, r.step, total_, r.loss, r.lr, r.grad_norm, r.samples_per_s,
                         FormatDuration(eta));
}

void Progress::Update(const train::StepRecord& r) {
  std::string line = Line(r);
  if (interactive_) {
    absl::FPrintF(out_, "\r\033[K%s", line);
    open_line_ = true;
  } else {
    absl::FPrintF(out_, "%s\n", line);
  }
  std::fflush(out_);
}

void Progress::Finish() {
  if (open_line_) absl::FPrintF(out_, "\n");
  open_line_ = false;
  std::fflush(out_);
}

}  // namespace vlmlab::runner
