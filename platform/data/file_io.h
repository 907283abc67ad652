// Small file helpers for the dataset readers: whole-file reads with a size limit, JSON files
// parsed without exceptions and with a nesting limit, and path joining.
//
//   VLMLAB_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString("a.png"));
//   VLMLAB_ASSIGN_OR_RETURN(nlohmann::json j, ReadJsonFile("captions_val2014.json"));
#ifndef VLMLAB_PLATFORM_DATA_FILE_IO_H_
#define VLMLAB_PLATFORM_DATA_FILE_IO_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace vlmlab::data {

// Fails (naming the file) when it cannot be opened or is larger than `max_bytes`.
absl::StatusOr<std::string> ReadFileToString(const std::string& path,
                                             int64_t max_bytes = int64_t{4} << 30);

// Reads and parses a JSON file; `what` describes it in errors ("COCO annotations").
absl::StatusOr<nlohmann::json> ReadJsonFile(const std::string& path, absl::string_view what);

// "dir" + "/" + "name" (no doubled slash; `name` absolute stays as is).
std::string JoinPath(absl::string_view dir, absl::string_view name);

bool FileExists(const std::string& path);

}  // namespace vlmlab::data

#endif  // VLMLAB_PLATFORM_DATA_FILE_IO_H_
