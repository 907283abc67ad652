#include "platform/data/coco_captions.h"

#include <unordered_map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "platform/base/file_io.h"
#include "platform/base/json_file.h"
#include "platform/base/status_macros.h"
#include "platform/data/reader_util.h"
#include "platform/image/codec.h"

namespace vlmlab::data {

using json = nlohmann::json;

absl::StatusOr<std::vector<CocoImageEntry>> LoadCocoCaptions(const std::string& path, bool strict,
                                                             int64_t* skipped) {
  absl::StatusOr<json> root = ReadJsonFile(path, "COCO captions annotations");
  if (!root.ok()) return root.status();
  if (!root->is_object() || !root->contains("images") || !(*root)["images"].is_array() ||
      !root->contains("annotations") || !(*root)["annotations"].is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat("COCO captions annotations ", path,
                     ": expected an object with \"images\" and \"annotations\" arrays (is this a "
                     "captions_*.json file?)"));
  }
  RecordSkipper skip(path, strict, skipped);
  std::vector<CocoImageEntry> entries;
  std::unordered_map<int64_t, size_t> by_id;
  const json& images = (*root)["images"];
  for (size_t i = 0; i < images.size(); ++i) {
    const json& im = images[i];
    CocoImageEntry e;
    if (!im.is_object() || !JsonInt(im, "id", &e.id) ||
        !JsonString(im, "file_name", &e.file_name) || e.file_name.empty()) {
      VLMLAB_RETURN_IF_ERROR(
          skip(absl::StrCat("images[", i, "]: needs an integer \"id\" and a \"file_name\"")));
      continue;
    }
    if (by_id.count(e.id)) {
      VLMLAB_RETURN_IF_ERROR(skip(absl::StrCat("images[", i, "]: duplicate id ", e.id)));
      continue;
    }
    by_id[e.id] = entries.size();
    entries.push_back(std::move(e));
  }
  const json& annotations = (*root)["annotations"];
  for (size_t i = 0; i < annotations.size(); ++i) {
    const json& a = annotations[i];
    int64_t image_id = -1;
    std::string caption;
    if (!a.is_object() || !JsonInt(a, "image_id", &image_id) ||
        !JsonString(a, "caption", &caption)) {
      VLMLAB_RETURN_IF_ERROR(skip(absl::StrCat(
          "annotations[", i, "]: needs an integer \"image_id\" and a string \"caption\"")));
      continue;
    }
    auto it = by_id.find(image_id);
    if (it == by_id.end()) {
      VLMLAB_RETURN_IF_ERROR(
          skip(absl::StrCat("annotations[", i, "]: image_id ", image_id, " is not in \"images\"")));
      continue;
    }
    entries[it->second].captions.push_back(std::move(caption));
  }
  std::vector<CocoImageEntry> with_captions;
  for (CocoImageEntry& e : entries) {
    if (!e.captions.empty()) with_captions.push_back(std::move(e));
  }
  return with_captions;
}

absl::StatusOr<std::unique_ptr<IndexedSource>> CreateCocoCaptionsSource(
    const CocoCaptionsOptions& options) {
  SourceStats stats;
  absl::StatusOr<std::vector<CocoImageEntry>> loaded =
      LoadCocoCaptions(options.annotations, options.strict, &stats.skipped);
  if (!loaded.ok()) return loaded.status();
  auto entries = std::make_shared<const std::vector<CocoImageEntry>>(std::move(*loaded));
  // Element i -> (image, caption index or -1 for "all captions").
  auto index = std::make_shared<std::vector<std::pair<int64_t, int64_t>>>();
  for (size_t i = 0; i < entries->size(); ++i) {
    if (options.per_caption) {
      for (size_t c = 0; c < (*entries)[i].captions.size(); ++c) index->emplace_back(i, c);
    } else {
      index->emplace_back(i, -1);
    }
  }
  auto get = [entries, index, options](int64_t i) -> absl::StatusOr<Sample> {
    const auto [image, caption] = (*index)[i];
    const CocoImageEntry& e = (*entries)[image];
    Sample s;
    s.key = caption < 0 ? e.file_name : absl::StrCat(e.file_name, "#", caption);
    s.source = options.annotations;
    s.image_id = e.id;
    s.task = "caption";
    s.captions = e.captions;
    s.meta["file_name"] = e.file_name;
    s.turns = {{Turn::kUser, kImagePlaceholder},
               {Turn::kAssistant, e.captions[caption < 0 ? 0 : caption]}};
    absl::StatusOr<Image> img =
        LoadImageFile(JoinPath(options.image_dir, e.file_name), options.image_channels);
    if (!img.ok()) {
      return absl::Status(img.status().code(),
                          absl::StrCat("COCO image ", e.id, " (", options.annotations,
                                       "): ", img.status().message()));
    }
    s.images.push_back(std::move(*img));
    return s;
  };
  return std::make_unique<IndexedSource>(absl::StrCat("coco_captions(", options.annotations, ")"),
                                         static_cast<int64_t>(index->size()), std::move(get),
                                         options.shuffle, options.seed, stats);
}

}  // namespace vlmlab::data
