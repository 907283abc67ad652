#include "platform/sweep/scheduler.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "platform/store/worker_identity.h"
#include "platform/sweep/run_lock.h"
#include "platform/sweep/worker_process.h"

namespace vlmlab::sweep {
namespace {

std::string ReadOwner(const std::string& lock_path) {
  std::ifstream in(lock_path);
  std::string pid;
  std::getline(in, pid);
  return pid;
}

struct Active {
  size_t index = 0;
  WorkerProcess process;
  RunLock lock;
  absl::Time start;
};

class Scheduler {
 public:
  Scheduler(store::Store& store, const std::vector<WorkerCommand>& runs,
            const SchedulerOptions& options)
      : store_(store), runs_(runs), options_(options) {}

  SweepSummary Run() {
    summary_.runs.resize(runs_.size());
    for (size_t i = 0; i < runs_.size(); ++i) {
      summary_.runs[i].run_id = runs_[i].run_id;
      summary_.runs[i].label = runs_[i].label;
    }
    size_t next = 0;
    int64_t launched = 0;
    int forwarded = 0;
    while (true) {
      int sig = options_.stop_signal ? options_.stop_signal->load() : 0;
      if (sig != 0 && sig != forwarded) {
        forwarded = sig;
        summary_.interrupted = true;
        Say(absl::StrCat("signal ", sig, " (", strsignal(sig), "): no more runs start; ",
                         active_.size() > 0
                             ? absl::StrCat("forwarding it to ", active_.size(), " worker(s)")
                             : "no worker is running"));
        for (const std::unique_ptr<Active>& a : active_) a->process.Signal(sig);
      }
      bool stopping = forwarded != 0;
      for (size_t k = 0; k < active_.size();) {
        if (active_[k]->process.Poll()) {
          Finish(*active_[k], stopping);
          active_.erase(active_.begin() + static_cast<std::ptrdiff_t>(k));
        } else {
          ++k;
        }
      }
      bool limit_reached = options_.limit >= 0 && launched >= options_.limit;
      while (!stopping && !limit_reached && next < runs_.size() &&
             static_cast<int>(active_.size()) < options_.workers) {
        if (Launch(next++, /*may_start=*/true)) ++launched;
        limit_reached = options_.limit >= 0 && launched >= options_.limit;
      }
      // Past the limit, runs are still looked at, to tell skipped ones from not started.
      while (!stopping && limit_reached && next < runs_.size()) Launch(next++, false);
      if (active_.empty() && (stopping || limit_reached || next >= runs_.size())) break;
      if (options_.status_every > absl::ZeroDuration() && !active_.empty() &&
          absl::Now() - last_status_ >= options_.status_every) {
        SayStatus(limit_reached ? 0 : static_cast<int64_t>(runs_.size() - next));
        last_status_ = absl::Now();
      }
      absl::SleepFor(options_.poll_interval);
    }
    return std::move(summary_);
  }

 private:
  // A line per active run and the sweep's ETA; `waiting` runs are still to be launched.
  void SayStatus(int64_t waiting) {
    std::vector<absl::Duration> remaining;
    absl::Duration estimated_total;
    int estimated = 0;
    for (const std::unique_ptr<Active>& a : active_) {
      const WorkerCommand& cmd = runs_[a->index];
      absl::StatusOr<std::vector<store::ScalarPoint>> points =
          store_.Scalars({cmd.run_id}, {"loss"});
      RunProgress p = ProgressOf(cmd.stages, points.ok() ? *points : std::vector<store::ScalarPoint>{},
                                 absl::Now() - a->start);
      remaining.push_back(p.remaining);
      if (p.remaining != absl::InfiniteDuration()) {
        estimated_total += p.elapsed + p.remaining;
        ++estimated;
      }
      Say(absl::StrCat("  ", Tag(a->index), ": ", FormatProgress(p)));
    }
    // A run's length: the mean of the runs finished here, else of the active runs' estimates.
    absl::Duration finished;
    int n = 0;
    for (const RunResult& r : summary_.runs) {
      if (r.outcome == RunOutcome::kCompleted) {
        finished += r.elapsed;
        ++n;
      }
    }
    const absl::Duration per_run = n > 0 ? finished / n
                                   : estimated > 0 ? estimated_total / estimated
                                                   : absl::InfiniteDuration();
    Say(absl::StrCat("  sweep: ", active_.size(), " running, ", waiting, " waiting, ETA ",
                     FormatEta(SweepEta(remaining, waiting, per_run, options_.workers))));
  }

  void Say(const std::string& line) {
    if (options_.progress != nullptr) *options_.progress << line << std::endl;
  }
  std::string Tag(size_t i) const {
    return absl::StrCat("[", i + 1, "/", runs_.size(), "] ", runs_[i].label, " (", runs_[i].run_id,
                        ")");
  }
  void Record(size_t i, RunOutcome outcome, std::string detail) {
    summary_.runs[i].outcome = outcome;
    summary_.runs[i].detail = std::move(detail);
  }
  void RecordFailure(size_t i, const std::string& detail) {
    Record(i, RunOutcome::kFailed, detail);
    size_t nl = detail.find('\n');
    Say(absl::StrCat(Tag(i),
                     ": failed: ", nl == std::string::npos ? detail : detail.substr(0, nl)));
  }

  // Decides whether run i may start and, if `may_start`, starts it; true when a worker was
  // launched. Otherwise a run that would start is recorded as not started.
  bool Launch(size_t i, bool may_start) {
    const WorkerCommand& cmd = runs_[i];
    std::string lock_path = absl::StrCat(cmd.run_dir, "/sweep.lock");
    absl::StatusOr<std::optional<RunLock>> lock = RunLock::TryAcquire(lock_path);
    if (!lock.ok()) {
      RecordFailure(i, std::string(lock.status().message()));
      return false;
    }
    if (!lock->has_value()) {
      std::string owner = ReadOwner(lock_path);
      Record(i, RunOutcome::kBusy,
             absl::StrCat("another process holds ", lock_path,
                          owner.empty() ? "" : absl::StrCat(" (worker pid ", owner, ")")));
      Say(absl::StrCat(Tag(i), ": skipped, ", summary_.runs[i].detail));
      return false;
    }
    absl::StatusOr<store::RunRecord> record = store_.GetRun(cmd.run_id);
    if (!record.ok()) {
      RecordFailure(i, std::string(record.status().message()));
      return false;
    }
    switch (record->status) {
      case store::RunStatus::kCompleted:
        Record(i, RunOutcome::kAlreadyCompleted, "");
        Say(absl::StrCat(Tag(i), ": already completed"));
        return false;
      case store::RunStatus::kRunning: {
        int64_t pid = store::LocalWorkerPid(record->worker);
        if (store::ProcessAlive(pid)) {
          Record(i, RunOutcome::kBusy, absl::StrCat("running in worker ", record->worker));
          Say(absl::StrCat(Tag(i), ": skipped, ", summary_.runs[i].detail));
          return false;
        }
        if (!may_start) return false;
        absl::Status reset = store_.ResetRun(cmd.run_id);
        if (!reset.ok()) {
          RecordFailure(i, std::string(reset.message()));
          return false;
        }
        Say(absl::StrCat(Tag(i), ": was left running by worker ", record->worker,
                         ", which is gone; reset to pending"));
        break;
      }
      case store::RunStatus::kPending:
      case store::RunStatus::kFailed:
        if (!may_start) return false;
        break;
    }
    absl::StatusOr<WorkerProcess> process =
        WorkerProcess::Start(cmd.argv, absl::StrCat(cmd.run_dir, "/log.txt"), (*lock)->fd());
    if (!process.ok()) {
      RecordFailure(i, std::string(process.status().message()));
      return false;
    }
    (void)(*lock)->WriteOwner(process->pid());  // informational only
    auto active =
        std::make_unique<Active>(Active{i, std::move(*process), std::move(**lock), absl::Now()});
    Say(absl::StrCat(Tag(i), ": started, pid ", active->process.pid(), ", log ",
                     active->process.log_path()));
    active_.push_back(std::move(active));
    return true;
  }

  // Reads the run back after its worker exited and settles its state.
  void Finish(Active& a, bool stopping) {
    size_t i = a.index;
    const WorkerCommand& cmd = runs_[i];
    summary_.runs[i].elapsed = absl::Now() - a.start;
    std::string how = DescribeWaitStatus(a.process.wait_status());
    std::string took = absl::StrFormat("%.1f s", absl::ToDoubleSeconds(summary_.runs[i].elapsed));
    absl::StatusOr<store::RunRecord> record = store_.GetRun(cmd.run_id);
    if (!record.ok()) {
      RecordFailure(
          i, absl::StrCat("worker ", how, "; reading the run back: ", record.status().message()));
      return;
    }
    auto crash_reason = [&]() {
      std::string tail = LogTail(a.process.log_path(), a.process.log_offset(),
                                 options_.log_tail_bytes, options_.log_tail_lines);
      std::string fatal = LastFatalLine(a.process.log_path(), a.process.log_offset());
      if (!fatal.empty() && tail.find(fatal) == std::string::npos) {
        tail = absl::StrCat(fatal, "\n...\n", tail);
      }
      return absl::StrCat(
          "worker ", how, " without recording the run as completed or failed",
          tail.empty() ? absl::StrCat(" (its log ", a.process.log_path(), " is empty)")
                       : absl::StrCat("; last lines of ", a.process.log_path(), ":\n", tail));
    };
    switch (record->status) {
      case store::RunStatus::kCompleted:
        Record(i, RunOutcome::kCompleted, a.process.Succeeded() ? "" : how);
        Say(absl::StrCat(Tag(i), ": completed in ", took));
        return;
      case store::RunStatus::kFailed:
        if (stopping) {
          Record(i, RunOutcome::kInterrupted, record->error);
          Say(absl::StrCat(Tag(i), ": interrupted after ", took, " (the worker marked it failed)"));
        } else {
          RecordFailure(i, record->error.empty() ? how : record->error);
        }
        return;
      case store::RunStatus::kRunning: {
        bool ours = store::LocalWorkerPid(record->worker) == a.process.pid();
        if (!ours) {
          Record(i, RunOutcome::kBusy, absl::StrCat("running in worker ", record->worker));
          Say(absl::StrCat(Tag(i), ": worker ", how, "; the run belongs to worker ",
                           record->worker));
          return;
        }
        if (stopping) {
          absl::Status reset = store_.ResetRun(cmd.run_id);
          Record(i, RunOutcome::kInterrupted, reset.ok() ? how : std::string(reset.message()));
          Say(absl::StrCat(Tag(i), ": interrupted (worker ", how, "); reset to pending"));
          return;
        }
        std::string reason = crash_reason();
        absl::Status failed = store_.FailRun(cmd.run_id, reason);
        RecordFailure(
            i, failed.ok()
                   ? reason
                   : absl::StrCat(reason, "\n(recording it failed: ", failed.message(), ")"));
        return;
      }
      case store::RunStatus::kPending: {
        if (stopping) {
          Record(i, RunOutcome::kInterrupted, how);
          Say(absl::StrCat(Tag(i), ": interrupted before it started (worker ", how, ")"));
          return;
        }
        // The worker never claimed the run: claim it here to record why.
        std::string reason = crash_reason();
        absl::StatusOr<bool> claimed = store_.ClaimRun(cmd.run_id);
        if (claimed.ok() && !*claimed) {
          Record(i, RunOutcome::kBusy, "claimed by another worker meanwhile");
          Say(absl::StrCat(Tag(i), ": worker ", how, "; another worker has claimed the run"));
          return;
        }
        absl::Status failed = claimed.ok() ? store_.FailRun(cmd.run_id, reason) : claimed.status();
        RecordFailure(
            i, failed.ok()
                   ? reason
                   : absl::StrCat(reason, "\n(recording it failed: ", failed.message(), ")"));
        return;
      }
    }
  }

  store::Store& store_;
  const std::vector<WorkerCommand>& runs_;
  const SchedulerOptions& options_;
  SweepSummary summary_;
  std::vector<std::unique_ptr<Active>> active_;
  absl::Time last_status_ = absl::Now();
};

}  // namespace

absl::string_view RunOutcomeName(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::kCompleted:
      return "completed";
    case RunOutcome::kFailed:
      return "failed";
    case RunOutcome::kAlreadyCompleted:
      return "skipped (already completed)";
    case RunOutcome::kBusy:
      return "skipped (running elsewhere)";
    case RunOutcome::kInterrupted:
      return "interrupted";
    case RunOutcome::kNotStarted:
      return "not started";
  }
  return "unknown";
}

int SweepSummary::Count(RunOutcome outcome) const {
  int n = 0;
  for (const RunResult& r : runs) n += r.outcome == outcome;
  return n;
}

std::string SweepSummary::CountsLine() const {
  std::vector<std::string> parts;
  for (RunOutcome o : {RunOutcome::kCompleted, RunOutcome::kFailed, RunOutcome::kAlreadyCompleted,
                       RunOutcome::kBusy, RunOutcome::kInterrupted, RunOutcome::kNotStarted}) {
    int n = Count(o);
    if (n > 0) parts.push_back(absl::StrCat(n, " ", RunOutcomeName(o)));
  }
  return parts.empty() ? "no runs" : absl::StrJoin(parts, ", ");
}

absl::StatusOr<SweepSummary> RunWorkers(store::Store& store, const std::vector<WorkerCommand>& runs,
                                        const SchedulerOptions& options) {
  if (options.workers < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--workers is ", options.workers, "; give 1 or more worker processes"));
  }
  std::set<std::string> ids;
  for (const WorkerCommand& r : runs) {
    if (r.run_id.empty() || r.run_dir.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("run '", r.label, "' has no run id or run directory"));
    }
    if (!ids.insert(r.run_id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("run id '", r.run_id, "' appears twice in the sweep; each run once"));
    }
  }
  return Scheduler(store, runs, options).Run();
}

}  // namespace vlmlab::sweep
