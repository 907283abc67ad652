#include "platform/weights/checkpoint_files.h"

#include <filesystem>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "platform/base/file_io.h"
#include "platform/base/status_macros.h"

namespace vlmlab::weights {
namespace {

absl::StatusOr<std::vector<std::string>> ShardNames(const std::string& index_path) {
  VLMLAB_ASSIGN_OR_RETURN(std::string text, ReadFileToString(index_path, 256 << 20));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("weight_map") ||
      !j["weight_map"].is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(index_path, ": expected a JSON object with a \"weight_map\" object"));
  }
  std::set<std::string> files;
  for (const auto& [name, file] : j["weight_map"].items()) {
    if (!file.is_string() || file.get<std::string>().find('/') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(index_path, ": weight_map[\"", name,
                                                     "\"] must be a file name in the directory"));
    }
    files.insert(file.get<std::string>());
  }
  return std::vector<std::string>(files.begin(), files.end());
}

}  // namespace

absl::StatusOr<SafetensorsFile> ReadCheckpointTensors(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return ReadSafetensors(path);
  std::vector<std::string> shards;
  const std::string index_path = absl::StrCat(path, "/model.safetensors.index.json");
  if (fs::exists(index_path, ec)) {
    VLMLAB_ASSIGN_OR_RETURN(shards, ShardNames(index_path));
  } else if (fs::exists(absl::StrCat(path, "/model.safetensors"), ec)) {
    shards.push_back("model.safetensors");
  } else {
    return absl::NotFoundError(absl::StrCat(
        path, " is a directory without model.safetensors or model.safetensors.index.json"));
  }
  SafetensorsFile out;
  for (const std::string& shard : shards) {
    const std::string file = absl::StrCat(path, "/", shard);
    VLMLAB_ASSIGN_OR_RETURN(SafetensorsFile f, ReadSafetensors(file));
    for (auto& [name, t] : f.tensors) {
      if (!out.tensors.emplace(name, t).second) {
        return absl::InvalidArgumentError(
            absl::StrCat(file, ": tensor \"", name, "\" also appears in another shard"));
      }
    }
    for (std::string& note : f.notes) out.notes.push_back(absl::StrCat(file, ": ", note));
    for (auto& [k, v] : f.metadata) out.metadata.emplace(k, v);
  }
  return out;
}

}  // namespace vlmlab::weights
