#include "platform/data/vqav2.h"

#include <cstdio>
#include <unordered_map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/base/file_io.h"
#include "platform/base/json_file.h"
#include "platform/base/status_macros.h"
#include "platform/data/reader_util.h"
#include "platform/data/sample_json.h"

namespace vlmlab::data {

using json = nlohmann::json;

namespace {

std::string Pad12(int64_t id) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%012lld", static_cast<long long>(id));
  return buf;
}

}  // namespace

std::vector<std::string> VqaImageCandidates(const std::string& coco_split, int64_t image_id) {
  std::vector<std::string> names;
  if (!coco_split.empty())
    names.push_back(absl::StrCat("COCO_", coco_split, "_", Pad12(image_id), ".jpg"));
  names.push_back(absl::StrCat(image_id, ".png"));
  names.push_back(absl::StrCat(image_id, ".jpg"));
  names.push_back(absl::StrCat(Pad12(image_id), ".jpg"));
  return names;
}

absl::StatusOr<Vqav2Index> LoadVqav2(const Vqav2Options& options) {
  Vqav2Index index;
  absl::StatusOr<json> questions = ReadJsonFile(options.questions, "VQAv2 questions");
  if (!questions.ok()) return questions.status();
  if (!questions->is_object() || !questions->contains("questions") ||
      !(*questions)["questions"].is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat("VQAv2 questions ", options.questions,
                     ": expected an object with a \"questions\" array (is this a "
                     "v2_OpenEnded_*_questions.json file?)"));
  }
  index.coco_split = options.coco_split;
  if (index.coco_split.empty()) JsonString(*questions, "data_subtype", &index.coco_split);

  // question_id -> annotation record.
  std::unordered_map<int64_t, json> annotations;
  const bool annotated = !options.annotations.empty();
  RecordSkipper skip_annotation(options.annotations, options.strict, &index.skipped);
  if (annotated) {
    absl::StatusOr<json> a = ReadJsonFile(options.annotations, "VQAv2 annotations");
    if (!a.ok()) return a.status();
    if (!a->is_object() || !a->contains("annotations") || !(*a)["annotations"].is_array()) {
      return absl::InvalidArgumentError(
          absl::StrCat("VQAv2 annotations ", options.annotations,
                       ": expected an object with an \"annotations\" array (is this a "
                       "v2_*_annotations.json file?)"));
    }
    json& list = (*a)["annotations"];
    for (size_t i = 0; i < list.size(); ++i) {
      int64_t qid = 0;
      if (!list[i].is_object() || !JsonInt(list[i], "question_id", &qid)) {
        VLMLAB_RETURN_IF_ERROR(
            skip_annotation(absl::StrCat("annotations[", i, "]: needs an integer question_id")));
        continue;
      }
      annotations[qid] = std::move(list[i]);
    }
  }

  RecordSkipper skip(options.questions, options.strict, &index.skipped);
  const json& list = (*questions)["questions"];
  for (size_t i = 0; i < list.size(); ++i) {
    const json& q = list[i];
    VqaEntry e;
    if (!q.is_object() || !JsonInt(q, "question_id", &e.vqa.question_id) ||
        !JsonInt(q, "image_id", &e.image_id) || !JsonString(q, "question", &e.vqa.question)) {
      VLMLAB_RETURN_IF_ERROR(skip(absl::StrCat(
          "questions[", i, "]: needs integer question_id and image_id and a string question")));
      continue;
    }
    if (annotated) {
      auto it = annotations.find(e.vqa.question_id);
      if (it == annotations.end()) {
        VLMLAB_RETURN_IF_ERROR(
            skip(absl::StrCat("questions[", i, "]: question_id ", e.vqa.question_id,
                              " has no annotation in ", options.annotations)));
        continue;
      }
      const json& ann = it->second;
      bool ok = true;
      if (auto answers = ann.find("answers"); answers != ann.end() && answers->is_array()) {
        for (const json& ans : *answers) {
          std::string text;
          if (ans.is_object() && JsonString(ans, "answer", &text)) {
            e.vqa.answers.push_back(std::move(text));
          } else if (ans.is_string()) {
            e.vqa.answers.push_back(ans.get<std::string>());
          } else {
            ok = false;
          }
        }
      }
      JsonString(ann, "answer_type", &e.vqa.answer_type);
      JsonString(ann, "question_type", &e.vqa.question_type);
      e.answer = MostCommonAnswer(e.vqa.answers);
      if (e.answer.empty()) JsonString(ann, "multiple_choice_answer", &e.answer);
      if (!ok || e.answer.empty()) {
        VLMLAB_RETURN_IF_ERROR(skip_annotation(
            absl::StrCat("annotation of question_id ", e.vqa.question_id,
                         ": \"answers\" must be a non-empty list of {\"answer\": string}")));
        continue;
      }
    }
    index.entries.push_back(std::move(e));
  }
  return index;
}

absl::StatusOr<std::unique_ptr<IndexedSource>> CreateVqav2Source(const Vqav2Options& options) {
  absl::StatusOr<Vqav2Index> loaded = LoadVqav2(options);
  if (!loaded.ok()) return loaded.status();
  auto index = std::make_shared<const Vqav2Index>(std::move(*loaded));
  auto get = [index, options](int64_t i) -> absl::StatusOr<Sample> {
    const VqaEntry& e = index->entries[i];
    Sample s;
    s.key = absl::StrCat(e.vqa.question_id);
    s.source = options.questions;
    s.image_id = e.image_id;
    s.task = "vqa";
    s.vqa = e.vqa;
    s.turns = {{Turn::kUser, absl::StrCat(kImagePlaceholder, e.vqa.question)}};
    if (!e.answer.empty()) s.turns.push_back({Turn::kAssistant, e.answer});
    std::vector<std::string> names = VqaImageCandidates(index->coco_split, e.image_id);
    for (const std::string& name : names) {
      const std::string path = JoinPath(options.image_dir, name);
      if (!FileExists(path)) continue;
      absl::StatusOr<Image> img = LoadImageFile(path, options.image_channels);
      if (!img.ok()) {
        return absl::Status(img.status().code(), absl::StrCat("VQAv2 question ", e.vqa.question_id,
                                                              ": ", img.status().message()));
      }
      s.images.push_back(std::move(*img));
      return s;
    }
    return absl::NotFoundError(absl::StrCat("VQAv2 question ", e.vqa.question_id, ": no image ",
                                            e.image_id, " in ", options.image_dir, " (tried ",
                                            absl::StrJoin(names, ", "), ")"));
  };
  return std::make_unique<IndexedSource>(
      absl::StrCat("vqav2(", options.questions, ")"), static_cast<int64_t>(index->entries.size()),
      std::move(get), options.shuffle, options.seed, SourceStats{index->skipped});
}

}  // namespace vlmlab::data
