// Atomic file replacement: bytes go to a temporary file next to the target
// ("<path>.tmp.<pid>.<n>"), which is fsynced and renamed over the target on Commit(), so
// readers see the old file or the complete new one, never a truncated one. Destroying a
// writer that was not committed removes the temporary file and leaves the target untouched.
//
//   VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileWriter> w, AtomicFileWriter::Create(path));
//   VLMLAB_RETURN_IF_ERROR(w->Write(bytes.data(), bytes.size()));
//   VLMLAB_RETURN_IF_ERROR(w->Commit());
//   VLMLAB_RETURN_IF_ERROR(WriteFileAtomically(path, text));   // the same, for a whole string
//
// Errors name the path and carry the errno text ("No space left on device").
#ifndef VLMLAB_PLATFORM_BASE_ATOMIC_FILE_H_
#define VLMLAB_PLATFORM_BASE_ATOMIC_FILE_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vlmlab {

class AtomicFileWriter {
 public:
  static absl::StatusOr<std::unique_ptr<AtomicFileWriter>> Create(const std::string& path);
  ~AtomicFileWriter();  // removes the temporary file unless committed
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  // Appends all `n` bytes (retrying short writes).
  absl::Status Write(const void* data, size_t n);
  // fsync, close, rename over the target, then fsync the directory. Once only.
  absl::Status Commit();

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }

 private:
  AtomicFileWriter(std::string path, std::string temp_path, int fd)
      : path_(std::move(path)), temp_path_(std::move(temp_path)), fd_(fd) {}
  absl::Status Error(int err, const std::string& what);  // also abandons the temporary file
  void Abandon();

  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  bool done_ = false;  // committed or abandoned
};

// Create, one Write of all of `contents`, Commit.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_BASE_ATOMIC_FILE_H_
