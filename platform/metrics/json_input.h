// Reading the evaluation JSON files with errors that name the file, the entry and the field:
// "val_results.json: entry 17: 'answer' must be a string, found number".
//
//   VLMLAB_ASSIGN_OR_RETURN(nlohmann::json root, ReadJsonFile(path));
//   VLMLAB_ASSIGN_OR_RETURN(std::string id, IdField(entry, "question_id", where));
#ifndef VLMLAB_PLATFORM_METRICS_JSON_INPUT_H_
#define VLMLAB_PLATFORM_METRICS_JSON_INPUT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "platform/base/json_file.h"  // ReadJsonFile

namespace vlmlab::metrics {

// root[key] as an array, checking root is an object. `path` names the file in errors.
absl::StatusOr<const nlohmann::json*> ArrayMember(const nlohmann::json& root, const char* key,
                                                  const std::string& path);

// Field accessors; `where` prefixes errors, e.g. "a.json: annotations[3]".
absl::StatusOr<std::string> StringField(const nlohmann::json& entry, const char* key,
                                        absl::string_view where);
// An id: an integer (written in decimal) or a string.
absl::StatusOr<std::string> IdField(const nlohmann::json& entry, const char* key,
                                    absl::string_view where);
// The first of `keys` present, as an id.
absl::StatusOr<std::string> IdFieldOneOf(const nlohmann::json& entry,
                                         const std::vector<const char*>& keys,
                                         absl::string_view where);
absl::StatusOr<std::vector<std::string>> StringArrayField(const nlohmann::json& entry,
                                                          const char* key, absl::string_view where);
// An optional string field: "" when absent.
absl::StatusOr<std::string> OptionalStringField(const nlohmann::json& entry, const char* key,
                                                absl::string_view where);

// "string", "number", ... for messages.
std::string JsonTypeName(const nlohmann::json& value);

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_JSON_INPUT_H_
