// The local sweep scheduler: runs one worker process per run, at most `workers` at a time,
// and keeps the results store's run states right whatever the workers do.
//
//   std::vector<sweep::WorkerCommand> runs = ...;   // run id, command line, run directory
//   std::atomic<int> stop{0};                         // a signal handler stores SIGINT here
//   sweep::SchedulerOptions o{.workers = 4, .stop_signal = &stop, .progress = &std::cerr};
//   VLMLAB_ASSIGN_OR_RETURN(sweep::SweepSummary s, sweep::RunWorkers(*store, runs, o));
//
// For each run, in order, just before launching it:
// - take <run_dir>/sweep.lock (run_lock.h); when a live process holds it, the run is busy
//   elsewhere and skipped;
// - completed in the store: skipped; pending or failed: launched; running: if its recorded
//   worker ("host:pid") is a live process on this host it is busy and skipped, otherwise the
//   worker is gone (nobody holds the lock either) and the run is reset to pending and launched.
// The worker (the command line; `vlmlab run ... --resume` in the CLI) is expected to claim the
// run, and to mark it completed or failed. When it exits, the scheduler reads the run back:
// - completed: completed; failed: failed with the worker's error;
// - still running as claimed by this worker, or still pending: the worker crashed without
//   saying why, so the scheduler marks it failed with the exit status or signal and the tail
//   of its log; after an interruption it resets the run to pending instead, for the next sweep
//   to resume it.
// A failed run never stops the others. When `stop_signal` becomes non-zero no more runs start,
// that signal is forwarded to every worker's process group, and RunWorkers returns once all
// have exited.
#ifndef VLMLAB_PLATFORM_SWEEP_SCHEDULER_H_
#define VLMLAB_PLATFORM_SWEEP_SCHEDULER_H_

#include <atomic>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "platform/store/store.h"
#include "platform/sweep/run_progress.h"

namespace vlmlab::sweep {

struct WorkerCommand {
  std::string run_id;             // the store's run id
  std::string label;              // for messages, e.g. "mlp seed 1"
  std::vector<std::string> argv;  // what to execute for this run
  std::string run_dir;            // log.txt and sweep.lock go here
  std::vector<StagePlan> stages;  // the run's stages, for progress lines (run_progress.h)
};

struct SchedulerOptions {
  int workers = 1;     // concurrent worker processes (>= 1)
  int64_t limit = -1;  // launch at most this many runs; < 0: no limit
  // Non-zero: stop launching and forward this signal to the workers. Read, never written.
  const std::atomic<int>* stop_signal = nullptr;
  std::ostream* progress = nullptr;  // one line per start / end / skip; null: silent
  // > 0: that often, a line per active run (stage, step, loss, ETA from the store's "loss"
  // scalars) and one with the sweep's ETA, on `progress`.
  absl::Duration status_every = absl::ZeroDuration();
  absl::Duration poll_interval = absl::Milliseconds(20);
  size_t log_tail_bytes = 2000;  // of a crashed worker's log, into the run's error
  int log_tail_lines = 20;
};

enum class RunOutcome {
  kCompleted,         // ran now and completed
  kFailed,            // ran now and failed (by its own account or the scheduler's)
  kAlreadyCompleted,  // skipped: completed before
  kBusy,              // skipped: a live process elsewhere has it
  kInterrupted,       // stopped by a signal; reset to pending (or failed by the worker)
  kNotStarted,        // never launched: --limit reached or the sweep was stopped first
};

absl::string_view RunOutcomeName(RunOutcome outcome);  // "completed", "failed", ...

struct RunResult {
  std::string run_id;
  std::string label;
  RunOutcome outcome = RunOutcome::kNotStarted;
  std::string detail;  // the failure's message, who has a busy run, ...
  absl::Duration elapsed;
};

struct SweepSummary {
  std::vector<RunResult> runs;  // in the order given
  bool interrupted = false;
  int Count(RunOutcome outcome) const;
  // "3 completed, 1 failed, 2 skipped (already completed)", listing only non-zero counts.
  std::string CountsLine() const;
};

// Errors only for the scheduler's own trouble (the store unreachable, workers < 1, duplicate
// run ids); a run's failure is an outcome, not an error.
absl::StatusOr<SweepSummary> RunWorkers(store::Store& store, const std::vector<WorkerCommand>& runs,
                                        const SchedulerOptions& options);

}  // namespace vlmlab::sweep

#endif  // VLMLAB_PLATFORM_SWEEP_SCHEDULER_H_
