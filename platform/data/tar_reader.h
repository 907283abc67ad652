// Streaming reader of tar archives (POSIX ustar, GNU long names, pax path/size records), the
// container of WebDataset shards. Every header is validated (checksum, octal or base-256 size,
// member within the file) so a hostile or damaged archive yields errors, never a crash or an
// allocation beyond the archive's size.
//
//   VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<TarReader> tar, TarReader::Open("shard-000.tar"));
//   while (true) {
//     absl::StatusOr<std::optional<TarMember>> m = tar->Next();
//     if (!m.ok()) { LOG(WARNING) << m.status(); continue; }  // bad member: the reader moves on
//     if (!m->has_value()) break;                               // end of the archive
//     Use((*m)->name, (*m)->data);
//   }
//
// Only regular files are returned; directories, links and devices are passed over. After an
// error Next() may be called again: a corrupt header makes the reader scan forward to the next
// valid header; a truncated archive ends the stream. Every call makes progress, so a loop like
// the one above always terminates.
#ifndef VLMLAB_PLATFORM_DATA_TAR_READER_H_
#define VLMLAB_PLATFORM_DATA_TAR_READER_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vlmlab::data {

inline constexpr int64_t kTarBlock = 512;

struct TarMember {
  std::string name;    // full path inside the archive (prefix/name, GNU or pax long name)
  std::string data;    // file contents
  int64_t offset = 0;  // byte offset of the member's header in the archive
};

struct TarReaderOptions {
  // Members larger than this are skipped with an error (they are not read into memory).
  int64_t max_member_bytes = int64_t{1} << 30;
};

class TarReader {
 public:
  // Messages name the archive by its path.
  static absl::StatusOr<std::unique_ptr<TarReader>> Open(const std::string& path,
                                                         const TarReaderOptions& options = {});
  // An archive held in memory; messages name it `label`.
  static std::unique_ptr<TarReader> FromBytes(std::string bytes, std::string label,
                                              const TarReaderOptions& options = {});
  ~TarReader();
  TarReader(const TarReader&) = delete;
  TarReader& operator=(const TarReader&) = delete;

  // The next regular file, nullopt at the end of the archive, or an error describing a bad
  // member (its name and offset when known) after which the reader can continue.
  absl::StatusOr<std::optional<TarMember>> Next();

  const std::string& label() const { return label_; }

 private:
  TarReader(std::string label, const TarReaderOptions& options);
  // Reads `n` bytes at `offset`; false when the archive ends first.
  bool ReadAt(int64_t offset, int64_t n, char* out);
  absl::Status Error(int64_t offset, absl::string_view member, absl::string_view what) const;
  // Scans forward from `from` for the next block that is a valid header.
  void Resync(int64_t from);

  std::string label_;
  TarReaderOptions options_;
  std::FILE* file_ = nullptr;
  std::string bytes_;  // the archive when read from memory
  int64_t size_ = 0;
  int64_t pos_ = 0;
  bool done_ = false;
};

// Header helpers, exposed for tests and writers.
// True when `block` (512 bytes) has a valid checksum (unsigned or historic signed sum).
bool TarChecksumOk(const char* block);
// Parses a numeric header field: octal digits with optional leading spaces and trailing NULs or
// spaces, or GNU base-256 (first byte's high bit set). nullopt when malformed or negative.
std::optional<int64_t> ParseTarNumber(absl::string_view field);

}  // namespace vlmlab::data

#endif  // VLMLAB_PLATFORM_DATA_TAR_READER_H_
