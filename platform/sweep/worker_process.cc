#include "platform/sweep/worker_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace vlmlab::sweep {
namespace {

void WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// Async-signal-safe: only write(2).
void ChildWrite(const char* text) { (void)!write(2, text, std::strlen(text)); }

}  // namespace

absl::StatusOr<WorkerProcess> WorkerProcess::Start(const std::vector<std::string>& argv,
                                                   const std::string& log_path, int keep_fd) {
  if (argv.empty() || argv[0].empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("worker command for log ", log_path, " is empty; give the program to run"));
  }
  std::filesystem::path parent = std::filesystem::path(log_path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot create directory ", parent.string(), ": ", ec.message()));
    }
  }
  int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot open worker log ", log_path, ": ", std::strerror(errno)));
  }
  WriteAll(log_fd,
           absl::StrCat(
               "==== ", absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::Now(), absl::LocalTimeZone()),
               " vlmlab sweep starts: ", absl::StrJoin(argv, " "), "\n"));
  struct stat st;
  int64_t offset = fstat(log_fd, &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

  // Everything the child touches is prepared before fork: it may only make async-signal-safe
  // calls until exec.
  std::vector<char*> cargv;
  cargv.reserve(argv.size() + 1);
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  std::string exec_error = absl::StrCat("vlmlab sweep: cannot execute ", argv[0], ": ");

  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(log_fd);
    if (null_fd >= 0) close(null_fd);
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot start a worker process (fork: ", std::strerror(err), ")"));
  }
  if (pid == 0) {
    setpgid(0, 0);
    // Default dispositions and an empty mask, whatever the sweep installed.
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (null_fd >= 0) dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    if (keep_fd >= 0) fcntl(keep_fd, F_SETFD, 0);
    execvp(cargv[0], cargv.data());
    int err = errno;
    ChildWrite(exec_error.c_str());
    ChildWrite(std::strerror(err));
    ChildWrite("\n");
    _exit(127);
  }
  setpgid(pid, pid);  // also here: whichever of parent and child runs first
  close(log_fd);
  if (null_fd >= 0) close(null_fd);
  WorkerProcess w;
  w.pid_ = pid;
  w.log_path_ = log_path;
  w.log_offset_ = offset;
  return w;
}

bool WorkerProcess::Poll() {
  if (exited_) return true;
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    exited_ = true;
    wait_status_ = status;
  } else if (r < 0) {
    // Not our child any more (reaped elsewhere): nothing can be learnt about how it ended.
    exited_ = true;
    wait_status_ = 0xff00;  // reads as "exited with status 255"
  }
  return exited_;
}

void WorkerProcess::Signal(int signal) const {
  if (!exited_ && pid_ > 0) kill(-pid_, signal);
}

bool WorkerProcess::Succeeded() const {
  return exited_ && WIFEXITED(wait_status_) && WEXITSTATUS(wait_status_) == 0;
}

std::string DescribeWaitStatus(int wait_status) {
  if (WIFEXITED(wait_status)) return absl::StrCat("exited with status ", WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    int sig = WTERMSIG(wait_status);
    const char* name = strsignal(sig);
    return absl::StrCat("killed by signal ", sig, name ? absl::StrCat(" (", name, ")") : "",
                        WCOREDUMP(wait_status) ? ", core dumped" : "");
  }
  return absl::StrCat("ended with wait status ", wait_status);
}

std::string LogTail(const std::string& path, int64_t offset, size_t max_bytes, int max_lines) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  int64_t size = static_cast<int64_t>(in.tellg());
  if (size < 0) return "";
  int64_t start = std::max<int64_t>(offset, 0);
  bool cut = false;
  if (size - start > static_cast<int64_t>(max_bytes)) {
    start = size - static_cast<int64_t>(max_bytes);
    cut = true;
  }
  if (start >= size) return "";
  in.seekg(start);
  std::string text(static_cast<size_t>(size - start), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (cut) {
    size_t nl = text.find('\n');
    if (nl != std::string::npos && nl + 1 < text.size()) text.erase(0, nl + 1);
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (max_lines >= 0 && lines.size() > static_cast<size_t>(max_lines)) {
    lines.erase(lines.begin(), lines.end() - max_lines);
  }
  return absl::StrJoin(lines, "\n");
}

std::string LastFatalLine(const std::string& path, int64_t offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(std::max<int64_t>(offset, 0));
  std::string line, fatal;
  while (std::getline(in, line)) {
    bool glog_fatal = line.size() > 9 && line[0] == 'F' &&
                      std::all_of(line.begin() + 1, line.begin() + 9,
                                  [](char c) { return c >= '0' && c <= '9'; });
    if (glog_fatal || line.rfind("terminate called", 0) == 0) fatal = line;
  }
  return fatal;
}

}  // namespace vlmlab::sweep
