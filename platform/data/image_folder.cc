#include "platform/data/image_folder.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "platform/base/file_io.h"
#include "platform/base/status_macros.h"
#include "platform/data/reader_util.h"
#include "platform/data/sample_json.h"

namespace vlmlab::data {
namespace {

bool SafeRelativePath(absl::string_view path) {
  if (path.empty() || path[0] == '/') return false;
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part == "..") return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::vector<ImageFolderRecord>> LoadImageFolderJsonl(
    const ImageFolderOptions& options, int64_t* skipped) {
  absl::StatusOr<std::string> text = ReadFileToString(options.jsonl);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat("image folder JSONL: ", text.status().message()));
  }
  const size_t slash = options.jsonl.rfind('/');
  const std::string base =
      slash == std::string::npos ? options.jsonl : options.jsonl.substr(slash + 1);
  std::vector<ImageFolderRecord> records;
  int64_t line_no = 0;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == absl::string_view::npos) continue;
    RecordSkipper skip(absl::StrCat(options.jsonl, ":", line_no), options.strict, skipped);
    ImageFolderRecord r;
    r.line = line_no;
    SampleJsonOptions json_options;
    json_options.shorthands = true;
    absl::Status parsed = ParseSampleJson(line, json_options, &r.sample, &r.images);
    if (!parsed.ok()) {
      VLMLAB_RETURN_IF_ERROR(skip(parsed.message()));
      continue;
    }
    bool paths_ok = true;
    for (const std::string& p : r.images) paths_ok = paths_ok && SafeRelativePath(p);
    if (!paths_ok) {
      VLMLAB_RETURN_IF_ERROR(
          skip("image paths must be relative to the image directory, without \"..\" components"));
      continue;
    }
    if (r.sample.key.empty()) r.sample.key = absl::StrCat(base, ":", line_no);
    r.sample.source = absl::StrCat(options.jsonl, ":", line_no);
    records.push_back(std::move(r));
  }
  return records;
}

absl::StatusOr<std::unique_ptr<IndexedSource>> CreateImageFolderSource(
    const ImageFolderOptions& options) {
  SourceStats stats;
  absl::StatusOr<std::vector<ImageFolderRecord>> loaded =
      LoadImageFolderJsonl(options, &stats.skipped);
  if (!loaded.ok()) return loaded.status();
  auto records = std::make_shared<const std::vector<ImageFolderRecord>>(std::move(*loaded));
  auto get = [records, options](int64_t i) -> absl::StatusOr<Sample> {
    const ImageFolderRecord& r = (*records)[i];
    Sample s = r.sample;
    for (const std::string& rel : r.images) {
      absl::StatusOr<Image> img = LoadImageFile(JoinPath(options.dir, rel), options.image_channels);
      if (!img.ok()) {
        return absl::Status(img.status().code(),
                            absl::StrCat(r.sample.source, ": ", img.status().message()));
      }
      s.images.push_back(std::move(*img));
    }
    return s;
  };
  return std::make_unique<IndexedSource>(absl::StrCat("image_folder(", options.jsonl, ")"),
                                         static_cast<int64_t>(records->size()), std::move(get),
                                         options.shuffle, options.seed, stats);
}

}  // namespace vlmlab::data
