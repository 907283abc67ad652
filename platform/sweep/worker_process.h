// One worker process of a sweep: fork/exec of a command line with stdout and stderr appended to
// a log file, stdin from /dev/null, in a process group of its own (so a terminal's Ctrl-C
// reaches only the sweep, which forwards it; and a signal to the group reaches the worker's own
// children too).
//
//   VLMLAB_ASSIGN_OR_RETURN(WorkerProcess w,
//       WorkerProcess::Start({"/bin/sh", "-c", "echo hi"}, "runs/x/log.txt", lock.fd()));
//   while (!w.Poll()) absl::SleepFor(absl::Milliseconds(20));
//   if (!w.Succeeded()) std::cerr << DescribeWaitStatus(w.wait_status())
//                                 << LogTail(w.log_path(), w.log_offset(), 2000, 20);
#ifndef VLMLAB_PLATFORM_SWEEP_WORKER_PROCESS_H_
#define VLMLAB_PLATFORM_SWEEP_WORKER_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace vlmlab::sweep {

class WorkerProcess {
 public:
  // Appends a header line naming the command to `log_path` (creating the file and its
  // directory), then starts argv (argv[0] searched in PATH when it has no '/'). `keep_fd`, when
  // >= 0, stays open in the worker (the run lock); every other descriptor the caller opened
  // with O_CLOEXEC is closed. A command that cannot be executed exits with status 127 and a
  // line in the log saying why.
  static absl::StatusOr<WorkerProcess> Start(const std::vector<std::string>& argv,
                                             const std::string& log_path, int keep_fd = -1);

  // Reaps the worker if it has exited (never blocks); true once it has.
  bool Poll();
  // Sends `signal` to the worker's process group.
  void Signal(int signal) const;

  pid_t pid() const { return pid_; }
  bool exited() const { return exited_; }
  int wait_status() const { return wait_status_; }  // valid once exited
  bool Succeeded() const;                           // exited with status 0
  const std::string& log_path() const { return log_path_; }
  int64_t log_offset() const { return log_offset_; }  // where this attempt's output begins

 private:
  WorkerProcess() = default;
  pid_t pid_ = -1;
  bool exited_ = false;
  int wait_status_ = 0;
  std::string log_path_;
  int64_t log_offset_ = 0;
};

// "exited with status 3", "killed by signal 9 (Killed)".
std::string DescribeWaitStatus(int wait_status);

// The end of a log from `offset` on: at most the last `max_lines` lines and `max_bytes` bytes
// (cut at a line start when possible). Empty when the file cannot be read.
std::string LogTail(const std::string& path, int64_t offset, size_t max_bytes, int max_lines);

// The last line of the log from `offset` on that reports a fatal error: a glog FATAL line
// ("F20261129 07:56:35.230543 ... Check failed: ...") or C++'s "terminate called ..."; empty
// when there is none. A crash's stack trace can push it out of LogTail's lines.
std::string LastFatalLine(const std::string& path, int64_t offset);

}  // namespace vlmlab::sweep

#endif  // VLMLAB_PLATFORM_SWEEP_WORKER_PROCESS_H_
