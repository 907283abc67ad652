#include "platform/data/text_doc_vqa.h"

#include <functional>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/base/file_io.h"
#include "platform/base/json_file.h"
#include "platform/base/status_macros.h"
#include "platform/data/reader_util.h"
#include "platform/data/sample_json.h"

namespace vlmlab::data {
namespace {

using json = nlohmann::json;

// One question of either benchmark, as read from its record.
struct Entry {
  VqaAnnotation vqa;
  std::vector<std::string> images;  // candidate paths, the first that exists is used
  std::string answer;               // the assistant turn ("" without answers)
  std::map<std::string, std::string> meta;
};

// The "data" array of `path`; `what` names the benchmark in errors.
absl::StatusOr<json> DataArray(const std::string& path, const char* what) {
  VLMLAB_ASSIGN_OR_RETURN(json j, ReadJsonFile(path, what));
  if (!j.is_object() || !j.contains("data") || !j["data"].is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", path, ": expected an object with a \"data\" array of questions"));
  }
  return std::move(j["data"]);
}

// The record's "answers": a list of strings, or absent (a test split). False when present and
// not a list of strings.
bool Answers(const json& record, std::vector<std::string>* out) {
  auto it = record.find("answers");
  if (it == record.end()) return true;
  if (!it->is_array()) return false;
  for (const json& a : *it) {
    if (!a.is_string()) return false;
    out->push_back(a.get<std::string>());
  }
  return true;
}

// A source of the file's records: `parse` turns each into an entry, or gives the reason it
// cannot (the record is then skipped and counted, or, with `strict`, is an error).
using RecordParser = std::function<std::optional<Entry>(const json& record, std::string* why)>;

absl::StatusOr<std::unique_ptr<IndexedSource>> LoadSource(const std::string& name, const char* what,
                                                          const std::string& annotations,
                                                          const std::string& task, bool strict,
                                                          bool shuffle, uint64_t seed, int channels,
                                                          const RecordParser& parse) {
  VLMLAB_ASSIGN_OR_RETURN(json data, DataArray(annotations, what));
  int64_t skipped = 0;
  RecordSkipper skip(annotations, strict, &skipped);
  std::vector<Entry> entries;
  for (size_t i = 0; i < data.size(); ++i) {
    std::string why;
    std::optional<Entry> e = data[i].is_object() ? parse(data[i], &why) : std::nullopt;
    if (!e.has_value()) {
      VLMLAB_RETURN_IF_ERROR(
          skip(absl::StrCat("data[", i, "]: ", why.empty() ? "not an object" : why)));
      continue;
    }
    entries.push_back(std::move(*e));
  }
  auto shared = std::make_shared<const std::vector<Entry>>(std::move(entries));
  auto get = [shared, annotations, task, name, channels](int64_t i) -> absl::StatusOr<Sample> {
    const Entry& e = (*shared)[i];
    Sample s;
    s.key = absl::StrCat(e.vqa.question_id);
    s.source = annotations;
    s.task = task;
    s.vqa = e.vqa;
    s.meta = e.meta;
    s.turns = {{Turn::kUser, absl::StrCat(kImagePlaceholder, e.vqa.question)}};
    if (!e.answer.empty()) s.turns.push_back({Turn::kAssistant, e.answer});
    for (const std::string& path : e.images) {
      if (!FileExists(path)) continue;
      absl::StatusOr<Image> img = LoadImageFile(path, channels);
      if (!img.ok()) {
        return absl::Status(img.status().code(), absl::StrCat(name, " question ", e.vqa.question_id,
                                                              ": ", img.status().message()));
      }
      s.images.push_back(std::move(*img));
      return s;
    }
    return absl::NotFoundError(absl::StrCat(name, " question ", e.vqa.question_id,
                                            ": no image (tried ", absl::StrJoin(e.images, ", "),
                                            ")"));
  };
  const int64_t n = static_cast<int64_t>(shared->size());
  return std::make_unique<IndexedSource>(absl::StrCat(name, "(", annotations, ")"), n,
                                         std::move(get), shuffle, seed, SourceStats{skipped});
}

}  // namespace

absl::StatusOr<std::unique_ptr<IndexedSource>> CreateTextVqaSource(const TextVqaOptions& options) {
  auto parse = [&](const json& r, std::string* why) -> std::optional<Entry> {
    Entry e;
    std::string image_id;
    if (!JsonInt(r, "question_id", &e.vqa.question_id) ||
        !JsonString(r, "question", &e.vqa.question) || !JsonString(r, "image_id", &image_id) ||
        image_id.empty() || !Answers(r, &e.vqa.answers)) {
      *why =
          "needs an integer question_id, a string question and image_id, and answers (when "
          "present) as a list of strings";
      return std::nullopt;
    }
    e.vqa.question_type = "text";
    e.answer = MostCommonAnswer(e.vqa.answers);
    e.meta["image_id"] = image_id;
    for (const char* ext : {".jpg", ".png"}) {
      e.images.push_back(JoinPath(options.image_dir, image_id + ext));
    }
    return e;
  };
  return LoadSource("textvqa", "TextVQA annotations", options.annotations, "vqa", options.strict,
                    options.shuffle, options.seed, options.image_channels, parse);
}

absl::StatusOr<std::unique_ptr<IndexedSource>> CreateDocVqaSource(const DocVqaOptions& options) {
  auto parse = [&](const json& r, std::string* why) -> std::optional<Entry> {
    Entry e;
    std::string image;
    std::vector<std::string> types;
    bool types_ok = true;
    if (r.contains("question_types")) {
      const json& t = r["question_types"];
      types_ok = t.is_array();
      for (size_t k = 0; types_ok && k < t.size(); ++k) {
        types_ok = t[k].is_string();
        if (types_ok) types.push_back(t[k].get<std::string>());
      }
    }
    if (!JsonInt(r, "questionId", &e.vqa.question_id) ||
        !JsonString(r, "question", &e.vqa.question) || !JsonString(r, "image", &image) ||
        image.empty() || !Answers(r, &e.vqa.answers) || !types_ok) {
      *why =
          "needs an integer questionId, a string question and image, and answers and "
          "question_types (when present) as lists of strings";
      return std::nullopt;
    }
    e.vqa.question_type = absl::StrJoin(types, "/");
    if (!e.vqa.answers.empty()) e.answer = e.vqa.answers.front();
    int64_t doc = 0;
    if (JsonInt(r, "docId", &doc)) e.meta["doc_id"] = absl::StrCat(doc);
    e.images.push_back(JoinPath(options.image_root, image));
    return e;
  };
  return LoadSource("docvqa", "DocVQA annotations", options.annotations, "docvqa", options.strict,
                    options.shuffle, options.seed, options.image_channels, parse);
}

}  // namespace vlmlab::data
