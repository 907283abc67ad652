// File helpers every layer may use: whole-file reads with a size limit and a regular-file
// check, path joining, existence, and the check that an output directory can be written.
//
//   VLMLAB_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString("a.png"));
//   VLMLAB_ASSIGN_OR_RETURN(std::string spec, ReadFileToString(path, /*max_bytes=*/16 << 20));
//   std::string p = JoinPath(run_dir, "metrics.json");
//   VLMLAB_RETURN_IF_ERROR(CheckWritableDirectory(run_dir));
#ifndef VLMLAB_PLATFORM_BASE_FILE_IO_H_
#define VLMLAB_PLATFORM_BASE_FILE_IO_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vlmlab {

// Fails, naming the file, when it cannot be opened (NotFound), is not a regular file that can
// be sized and re-read (InvalidArgument: a FIFO, /dev/zero), or is larger than `max_bytes`
// (ResourceExhausted); a short read is DataLoss.
absl::StatusOr<std::string> ReadFileToString(const std::string& path,
                                             int64_t max_bytes = int64_t{4} << 30);

// "dir" + "/" + "name" (no doubled slash; `name` absolute stays as is).
std::string JoinPath(absl::string_view dir, absl::string_view name);

// True for an existing regular file (or a link to one).
bool FileExists(const std::string& path);

// Creates `dir` (and its parents) if needed and checks that a file can be written in it.
// Errors name the directory and point to runtime.output_dir.
absl::Status CheckWritableDirectory(const std::string& dir);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_BASE_FILE_IO_H_
