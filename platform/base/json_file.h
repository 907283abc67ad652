// JSON from untrusted files without exceptions: a nesting limit checked before parsing (deep
// nesting would overflow nlohmann's recursive parser) and errors that say what the file was.
//
//   VLMLAB_ASSIGN_OR_RETURN(nlohmann::json j, ReadJsonFile(path, "COCO annotations"));
//   if (!JsonNestingOk(line)) return absl::InvalidArgumentError("nested deeper than 64 levels");
#ifndef VLMLAB_PLATFORM_BASE_JSON_FILE_H_
#define VLMLAB_PLATFORM_BASE_JSON_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace vlmlab {

// False when brackets or braces outside strings nest deeper than `max_depth`.
bool JsonNestingOk(absl::string_view text, int max_depth = 64);

// Reads and parses a JSON file. Errors start with `what` (when given: "COCO annotations")
// and the path; a parse error carries the parser's byte offset.
absl::StatusOr<nlohmann::json> ReadJsonFile(const std::string& path, absl::string_view what = "");

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_BASE_JSON_FILE_H_
