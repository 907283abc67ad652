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

CountProgress::CountProgress(std::string label, int64_t total, std::string unit,
                             bool interactive, FILE* out)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      interactive_(interactive),
      out_(out) {}

std::string CountProgress::Line(int64_t done, double elapsed_s) const {
  const double rate = elapsed_s > 0 ? done / elapsed_s : 0;
  const double eta = rate > 0 ? (total_ - done) / rate : NAN;
  return absl::StrFormat("%s %d/%d %s %.4g/s ETA %s", label_, done, total_, unit_, rate,
                         Progress::FormatDuration(eta));
}

void CountProgress::Print(int64_t done, double elapsed_s) {
  if (interactive_) {
    absl::FPrintF(out_, "\r\033[K%s", Line(done, elapsed_s));
    open_line_ = true;
  } else {
    absl::FPrintF(out_, "%s\n", Line(done, elapsed_s));
  }
  std::fflush(out_);
}

void CountProgress::Update(int64_t done) {
  std::lock_guard<std::mutex> lock(mu_);
  if (done <= last_done_) return;  // an older count from a slower thread
  last_done_ = done;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (interactive_) {
    if (elapsed - last_print_s_ < 0.2 && done < total_) return;
    last_print_s_ = elapsed;
    Print(done, elapsed);
    return;
  }
  const int tenths = total_ > 0 ? static_cast<int>(10 * done / total_) : 0;
  if (tenths <= printed_tenths_) return;
  printed_tenths_ = tenths;
  Print(done, elapsed);
}

void CountProgress::Finish() {
  std::lock_guard<std::mutex> lock(mu_);
  if (open_line_) absl::FPrintF(out_, "\n");
  open_line_ = false;
  std::fflush(out_);
}

}  // namespace vlmlab::runner
