// Progress reporting of a training stage: on a terminal, one line rewritten in place
// ("pretrain 120/300 loss 2.315 lr 8.2e-04 412 samples/s ETA 0:42"); otherwise (a log file,
// a sweep worker) one plain line per logging interval.
//
//   Progress p("pretrain", /*start_step=*/0, /*total_steps=*/300, /*interactive=*/isatty(2));
//   p.Update(record);   // from the training loop's on_log callback
//   p.Finish();
#ifndef VLMLAB_PLATFORM_RUNNER_PROGRESS_H_
#define VLMLAB_PLATFORM_RUNNER_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

#include "platform/train/train_loop.h"

namespace vlmlab::runner {

class Progress {
 public:
  // `start_step`: steps done before this process (a resumed run); they do not count for the
  // ETA's rate.
  Progress(std::string stage, int64_t start_step, int64_t total_steps, bool interactive,
           FILE* out = stderr);
  void Update(const train::StepRecord& record);
  void Finish();  // ends the in-place line

  // "1:02:03" / "4:05" for seconds.
  static std::string FormatDuration(double seconds);
  // The text of one update (no newline / carriage return).
  std::string Line(const train::StepRecord& record) const;

 private:
  std::string stage_;
  int64_t total_;
  bool interactive_;
  FILE* out_;
  int64_t start_;
  bool open_line_ = false;
};

// Progress of a count of items (samples written, bootstrap resamples): on a terminal one line
// rewritten in place at most every 0.2 s ("synth train 12000/20000 samples 850/s ETA 0:09");
// otherwise a plain line at every tenth of the total. Update may be called from several
// threads.
//
//   CountProgress p("synth train", 20000, "samples", isatty(2));
//   for (...) p.Update(++done);
//   p.Finish();
class CountProgress {
 public:
  CountProgress(std::string label, int64_t total, std::string unit, bool interactive,
                FILE* out = stderr);
  void Update(int64_t done);
  void Finish();  // the final count, then ends the line
  // The text for `done` items after `elapsed_s` seconds (no newline / carriage return).
  std::string Line(int64_t done, double elapsed_s) const;

 private:
  void Print(int64_t done, double elapsed_s);

  std::string label_, unit_;
  int64_t total_;
  bool interactive_;
  FILE* out_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::mutex mu_;
  int64_t last_done_ = 0;
  double last_print_s_ = -1;
  int printed_tenths_ = 0;
  bool open_line_ = false;
};

}  // namespace vlmlab::runner

#endif  // VLMLAB_PLATFORM_RUNNER_PROGRESS_H_
