#include "platform/base/json_file.h"

#include "absl/strings/str_cat.h"
#include "platform/base/file_io.h"

namespace vlmlab {

bool JsonNestingOk(absl::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

absl::StatusOr<nlohmann::json> ReadJsonFile(const std::string& path, absl::string_view what) {
  const std::string where = what.empty() ? path : absl::StrCat(what, " ", path);
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) {
    if (what.empty()) return text.status();
    return absl::Status(text.status().code(), absl::StrCat(what, ": ", text.status().message()));
  }
  if (!JsonNestingOk(*text)) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": JSON nested deeper than 64 levels"));
  }
  try {
    return nlohmann::json::parse(*text);
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": not valid JSON (", e.what(), ")"));
  }
}

}  // namespace vlmlab
