#include "platform/metrics/caption_files.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/metrics/json_input.h"

namespace vlmlab::metrics {

absl::StatusOr<CaptionReferences> ReadCocoCaptions(const std::string& path) {
  VLMLAB_ASSIGN_OR_RETURN(nlohmann::json root, ReadJsonFile(path));
  VLMLAB_ASSIGN_OR_RETURN(const nlohmann::json* annotations,
                          ArrayMember(root, "annotations", path));
  std::set<std::string> images;
  const bool has_images = root.find("images") != root.end();
  if (has_images) {
    VLMLAB_ASSIGN_OR_RETURN(const nlohmann::json* list, ArrayMember(root, "images", path));
    for (size_t i = 0; i < list->size(); ++i) {
      VLMLAB_ASSIGN_OR_RETURN(std::string id,
                              IdField((*list)[i], "id", absl::StrCat(path, ": images[", i, "]")));
      images.insert(id);
    }
  }
  CaptionReferences out;
  for (size_t i = 0; i < annotations->size(); ++i) {
    const nlohmann::json& entry = (*annotations)[i];
    const std::string where = absl::StrCat(path, ": annotations[", i, "]");
    VLMLAB_ASSIGN_OR_RETURN(std::string image_id, IdField(entry, "image_id", where));
    VLMLAB_ASSIGN_OR_RETURN(
        std::string caption,
        StringField(entry, "caption", absl::StrCat(where, " (image_id ", image_id, ")")));
    if (has_images && images.count(image_id) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": image_id ", image_id, " is not in the file's \"images\" list"));
    }
    std::vector<std::string>& refs = out.captions[image_id];
    if (refs.empty()) out.image_ids.push_back(image_id);
    refs.push_back(std::move(caption));
  }
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> ReadCaptionResults(const std::string& path) {
  VLMLAB_ASSIGN_OR_RETURN(nlohmann::json root, ReadJsonFile(path));
  if (!root.is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        ": a caption results file is a JSON list of {\"image_id\", \"caption\"} entries, "
        "found ",
        JsonTypeName(root)));
  }
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < root.size(); ++i) {
    const std::string where = absl::StrCat(path, ": entry ", i);
    VLMLAB_ASSIGN_OR_RETURN(std::string image_id, IdField(root[i], "image_id", where));
    VLMLAB_ASSIGN_OR_RETURN(std::string caption, StringField(root[i], "caption", where));
    if (!out.emplace(image_id, caption).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": a second caption for image_id ", image_id,
                       "; the COCO evaluation takes exactly one caption per image"));
    }
  }
  return out;
}

}  // namespace vlmlab::metrics
