// Writes POSIX ustar archives (the container of WebDataset shards): 512-byte headers with
// octal fields and checksum, regular files only, zero mtime/uid/gid so equal contents give
// equal bytes. The archive is written to PATH.tmp and renamed into place by Close(), so a
// crashed writer never leaves a truncated shard under the final name.
//
//   VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<TarWriter> tar, TarWriter::Create("s-000000.tar"));
//   VLMLAB_RETURN_IF_ERROR(tar->AddFile("000000001.png", png_bytes));
//   VLMLAB_RETURN_IF_ERROR(tar->Close());
#ifndef VLMLAB_PLATFORM_DATA_SYNTH_TAR_WRITER_H_
#define VLMLAB_PLATFORM_DATA_SYNTH_TAR_WRITER_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vlmlab {

// The 512-byte ustar header of a regular file (mode 0644); fails for a name longer than 100
// bytes that cannot be split at a '/' into a 155-byte prefix and a 100-byte name, or an
// empty name, or a size of 8 GiB or more.
absl::StatusOr<std::string> UstarHeader(absl::string_view name, uint64_t size);

class TarWriter {
 public:
  static absl::StatusOr<std::unique_ptr<TarWriter>> Create(const std::string& path);
  ~TarWriter();  // without Close(), removes the temporary file
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  absl::Status AddFile(absl::string_view name, absl::string_view contents);
  // Writes the end-of-archive blocks, closes and renames PATH.tmp to PATH.
  absl::Status Close();
  const std::string& path() const { return path_; }
  uint64_t bytes_written() const { return bytes_; }

 private:
  TarWriter(std::string path, std::FILE* file) : path_(std::move(path)), file_(file) {}
  absl::Status Write(absl::string_view bytes);

  std::string path_;
  std::FILE* file_;
  uint64_t bytes_ = 0;
};

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_DATA_SYNTH_TAR_WRITER_H_
