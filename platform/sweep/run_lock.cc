#include "platform/sweep/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace vlmlab::sweep {

absl::StatusOr<std::optional<RunLock>> RunLock::TryAcquire(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return absl::PermissionDeniedError(absl::StrCat("cannot create directory ", parent.string(),
                                                      " for run lock ", path, ": ", ec.message()));
    }
  }
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot open run lock ", path, ": ", std::strerror(errno),
                     "; check that the run's output directory is writable"));
  }
  while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    int err = errno;
    close(fd);
    if (err == EWOULDBLOCK) return std::optional<RunLock>();
    return absl::UnavailableError(absl::StrCat("cannot lock ", path, ": ", std::strerror(err),
                                               " (flock needs a local file system)"));
  }
  return std::optional<RunLock>(RunLock(path, fd));
}

RunLock::RunLock(RunLock&& other) noexcept : path_(std::move(other.path_)), fd_(other.fd_) {
  other.fd_ = -1;
}

RunLock& RunLock::operator=(RunLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    path_ = std::move(other.path_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

RunLock::~RunLock() {
  if (fd_ >= 0) close(fd_);
}

absl::Status RunLock::WriteOwner(pid_t pid) {
  std::string text = absl::StrCat(pid, "\n");
  if (ftruncate(fd_, 0) != 0 ||
      pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    return absl::InternalError(
        absl::StrCat("cannot write the worker pid into ", path_, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

void RunLock::KeepAcrossExec() const { fcntl(fd_, F_SETFD, 0); }

}  // namespace vlmlab::sweep
