#include "platform/metrics/vqa_files.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/metrics/json_input.h"

namespace vlmlab::metrics {
namespace {

struct QuestionText {
  std::string image_id;
  std::string text;
  bool used = false;
};

absl::StatusOr<std::map<std::string, QuestionText>> ReadQuestions(const std::string& path) {
  VLMLAB_ASSIGN_OR_RETURN(nlohmann::json root, ReadJsonFile(path));
  VLMLAB_ASSIGN_OR_RETURN(const nlohmann::json* list, ArrayMember(root, "questions", path));
  std::map<std::string, QuestionText> out;
  for (size_t i = 0; i < list->size(); ++i) {
    const nlohmann::json& entry = (*list)[i];
    const std::string where = absl::StrCat(path, ": questions[", i, "]");
    VLMLAB_ASSIGN_OR_RETURN(std::string id, IdField(entry, "question_id", where));
    QuestionText q;
    VLMLAB_ASSIGN_OR_RETURN(q.text, StringField(entry, "question", where));
    VLMLAB_ASSIGN_OR_RETURN(q.image_id, IdField(entry, "image_id", where));
    if (!out.emplace(id, q).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": question_id ", id, " appears twice"));
    }
  }
  return out;
}

absl::StatusOr<VqaQuestion> ReadAnnotation(const nlohmann::json& entry, const std::string& where) {
  VqaQuestion q;
  VLMLAB_ASSIGN_OR_RETURN(q.question_id, IdField(entry, "question_id", where));
  const std::string at = absl::StrCat(where, " (question_id ", q.question_id, ")");
  VLMLAB_ASSIGN_OR_RETURN(q.image_id, IdField(entry, "image_id", at));
  VLMLAB_ASSIGN_OR_RETURN(q.answer_type, OptionalStringField(entry, "answer_type", at));
  VLMLAB_ASSIGN_OR_RETURN(q.question_type, OptionalStringField(entry, "question_type", at));
  VLMLAB_ASSIGN_OR_RETURN(q.multiple_choice_answer,
                          OptionalStringField(entry, "multiple_choice_answer", at));
  auto answers = entry.find("answers");
  if (answers == entry.end() || !answers->is_array() || answers->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(at, ": 'answers' must be a non-empty list of {\"answer\": ...} objects"));
  }
  for (size_t k = 0; k < answers->size(); ++k) {
    VLMLAB_ASSIGN_OR_RETURN(
        std::string answer,
        StringField((*answers)[k], "answer", absl::StrCat(at, ": answers[", k, "]")));
    q.answers.push_back(std::move(answer));
  }
  return q;
}

}  // namespace

absl::StatusOr<std::vector<VqaQuestion>> ReadVqaDataset(const std::string& questions_path,
                                                        const std::string& annotations_path) {
  std::map<std::string, QuestionText> texts;
  if (!questions_path.empty()) {
    VLMLAB_ASSIGN_OR_RETURN(texts, ReadQuestions(questions_path));
  }
  VLMLAB_ASSIGN_OR_RETURN(nlohmann::json root, ReadJsonFile(annotations_path));
  VLMLAB_ASSIGN_OR_RETURN(const nlohmann::json* list,
                          ArrayMember(root, "annotations", annotations_path));
  std::vector<VqaQuestion> out;
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string where = absl::StrCat(annotations_path, ": annotations[", i, "]");
    VLMLAB_ASSIGN_OR_RETURN(VqaQuestion q, ReadAnnotation((*list)[i], where));
    if (!seen.emplace(q.question_id, i).second) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": question_id ", q.question_id,
                                                     " was already annotated at annotations[",
                                                     seen[q.question_id], "]"));
    }
    if (!questions_path.empty()) {
      auto it = texts.find(q.question_id);
      if (it == texts.end()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": question_id ", q.question_id,
                                                       " is not in ", questions_path,
                                                       "; are the two files from the same split?"));
      }
      q.question = it->second.text;
      it->second.used = true;
    }
    out.push_back(std::move(q));
  }
  for (const auto& [id, text] : texts) {
    if (!text.used) {
      return absl::InvalidArgumentError(absl::StrCat(questions_path, ": question_id ", id,
                                                     " has no annotation in ", annotations_path,
                                                     "; are the two files from the same split?"));
    }
  }
  return out;
}

}  // namespace vlmlab::metrics
