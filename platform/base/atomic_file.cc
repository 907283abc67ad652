#include "platform/base/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"

namespace vlmlab {
namespace {

std::string DirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

absl::StatusOr<std::unique_ptr<AtomicFileWriter>> AtomicFileWriter::Create(
    const std::string& path) {
  // pid + a per-process counter: concurrent writers (processes or threads) never collide.
  static std::atomic<uint64_t> counter{0};
  std::string temp = absl::StrCat(path, ".tmp.", getpid(), ".", counter.fetch_add(1));
  int fd;
  do {
    fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    return absl::ErrnoToStatus(
        errno, absl::StrCat("writing ", path, ": cannot create temporary file ", temp));
  }
  return std::unique_ptr<AtomicFileWriter>(new AtomicFileWriter(path, std::move(temp), fd));
}

AtomicFileWriter::~AtomicFileWriter() { Abandon(); }

void AtomicFileWriter::Abandon() {
  if (done_) return;
  done_ = true;
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  unlink(temp_path_.c_str());
}

absl::Status AtomicFileWriter::Error(int err, const std::string& what) {
  Abandon();
  return absl::ErrnoToStatus(err, absl::StrCat("writing ", path_, ": ", what));
}

absl::Status AtomicFileWriter::Write(const void* data, size_t n) {
  if (done_) return absl::FailedPreconditionError(absl::StrCat("writing ", path_, ": closed"));
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    // Large buffers go in 1 GiB pieces (Linux caps one write below 2 GiB anyway).
    ssize_t w = write(fd_, p, n < (size_t{1} << 30) ? n : (size_t{1} << 30));
    if (w < 0) {
      if (errno == EINTR) continue;
      return Error(errno, absl::StrCat("write to ", temp_path_, " failed"));
    }
    if (w == 0) return Error(EIO, absl::StrCat("write to ", temp_path_, " made no progress"));
    p += w;
    n -= static_cast<size_t>(w);
  }
  return absl::OkStatus();
}

absl::Status AtomicFileWriter::Commit() {
  if (done_) return absl::FailedPreconditionError(absl::StrCat("writing ", path_, ": closed"));
  if (fsync(fd_) != 0) return Error(errno, absl::StrCat("fsync of ", temp_path_, " failed"));
  int fd = fd_;
  fd_ = -1;
  if (close(fd) != 0) return Error(errno, absl::StrCat("close of ", temp_path_, " failed"));
  if (rename(temp_path_.c_str(), path_.c_str()) != 0) {
    return Error(errno, absl::StrCat("cannot rename ", temp_path_, " to ", path_));
  }
  done_ = true;
  // Make the rename itself durable; a failure here leaves a complete file, so it is ignored.
  int dir = open(DirectoryOf(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    fsync(dir);
    close(dir);
  }
  return absl::OkStatus();
}

absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents) {
  absl::StatusOr<std::unique_ptr<AtomicFileWriter>> writer = AtomicFileWriter::Create(path);
  if (!writer.ok()) return writer.status();
  absl::Status written = (*writer)->Write(contents.data(), contents.size());
  if (!written.ok()) return written;
  return (*writer)->Commit();
}

}  // namespace vlmlab
