// A per-run lock file that tells whether a live process is working on a run: the sweep takes
// an exclusive flock(2) on <run_dir>/sweep.lock before launching the run's worker, writes the
// worker's pid into it, and the worker inherits the locked descriptor. The kernel drops the
// lock when the last process holding the descriptor exits, however it ends (SIGKILL, power
// loss), so a lock that can be taken means nobody is running the run any more.
//
//   VLMLAB_ASSIGN_OR_RETURN(std::optional<RunLock> lock, RunLock::TryAcquire(dir + "/sweep.lock"));
//   if (!lock) return;            // a live process (another sweep, or its worker) holds it
//   lock->WriteOwner(child_pid);  // for people reading the file
//   ... fork; in the child: lock->KeepAcrossExec(); exec ...
//   // the lock is released when `lock` is destroyed and the worker has exited
//
// flock works across processes on one machine and on local file systems; on NFS it depends on
// the server. docs/sweeps.md describes how the sweep uses it.
#ifndef VLMLAB_PLATFORM_SWEEP_RUN_LOCK_H_
#define VLMLAB_PLATFORM_SWEEP_RUN_LOCK_H_

#include <sys/types.h>

#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace vlmlab::sweep {

class RunLock {
 public:
  // Creates the file (and its directory) if needed and takes the lock without waiting.
  // nullopt when another open descriptor holds it; an error when the file cannot be opened.
  static absl::StatusOr<std::optional<RunLock>> TryAcquire(const std::string& path);

  RunLock(RunLock&& other) noexcept;
  RunLock& operator=(RunLock&& other) noexcept;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  ~RunLock();  // closes this process's descriptor

  // Replaces the file's content with "<pid>\n".
  absl::Status WriteOwner(pid_t pid);
  // In a forked child before exec: keep the descriptor open in the new program, so the lock
  // lives as long as the worker does. Async-signal-safe.
  void KeepAcrossExec() const;

  const std::string& path() const { return path_; }
  int fd() const { return fd_; }

 private:
  RunLock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_ = -1;
};

}  // namespace vlmlab::sweep

#endif  // VLMLAB_PLATFORM_SWEEP_RUN_LOCK_H_
