#include "platform/metrics/qa_files.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/metrics/json_input.h"
#include "platform/metrics/vqa_files.h"

namespace vlmlab::metrics {
namespace {

absl::StatusOr<QaItem> ReadItem(const nlohmann::json& entry, const std::string& where) {
  QaItem item;
  VLMLAB_ASSIGN_OR_RETURN(item.id, IdFieldOneOf(entry, {"questionId", "question_id"}, where));
  item.where = absl::StrCat(where, " (questionId ", item.id, ")");
  VLMLAB_ASSIGN_OR_RETURN(item.question, OptionalStringField(entry, "question", item.where));
  if (entry.find("answers") != entry.end()) {
    VLMLAB_ASSIGN_OR_RETURN(item.answers, StringArrayField(entry, "answers", item.where));
  } else if (entry.find("answer") != entry.end()) {
    VLMLAB_ASSIGN_OR_RETURN(std::string answer, StringField(entry, "answer", item.where));
    item.answers.push_back(std::move(answer));
  }
  if (entry.find("options") != entry.end()) {
    VLMLAB_ASSIGN_OR_RETURN(item.options, StringArrayField(entry, "options", item.where));
  }
  auto index = entry.find("answer_index");
  if (index != entry.end()) {
    if (!index->is_number_integer() || index->get<int64_t>() < 0 ||
        index->get<int64_t>() >= static_cast<int64_t>(std::max<size_t>(item.options.size(), 1))) {
      return absl::InvalidArgumentError(
          absl::StrCat(item.where, ": 'answer_index' must be an integer index into 'options' (0..",
                       static_cast<int64_t>(item.options.size()) - 1, ")"));
    }
    item.answer_index = static_cast<int>(index->get<int64_t>());
  }
  if (item.answers.empty() && item.answer_index < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(item.where,
                     ": no gold answer; give 'answers' (a list), 'answer' or "
                     "'answer_index'"));
  }
  VLMLAB_ASSIGN_OR_RETURN(item.group, OptionalStringField(entry, "category", item.where));
  if (item.group.empty()) {
    VLMLAB_ASSIGN_OR_RETURN(item.group, OptionalStringField(entry, "question_type", item.where));
  }
  return item;
}

}  // namespace

absl::StatusOr<std::vector<QaItem>> ReadQaSet(const std::string& path) {
  VLMLAB_ASSIGN_OR_RETURN(nlohmann::json root, ReadJsonFile(path));
  std::vector<QaItem> out;
  if (root.is_object() && root.find("annotations") != root.end() &&
      root.find("data") == root.end()) {
    VLMLAB_ASSIGN_OR_RETURN(std::vector<VqaQuestion> vqa, ReadVqaDataset("", path));
    for (size_t i = 0; i < vqa.size(); ++i) {
      QaItem item;
      item.id = vqa[i].question_id;
      item.answers = vqa[i].multiple_choice_answer.empty()
                         ? vqa[i].answers
                         : std::vector<std::string>{vqa[i].multiple_choice_answer};
      item.group = vqa[i].answer_type;
      item.where = absl::StrCat(path, ": annotations[", i, "] (question_id ", item.id, ")");
      out.push_back(std::move(item));
    }
    return out;
  }
  VLMLAB_ASSIGN_OR_RETURN(const nlohmann::json* data, ArrayMember(root, "data", path));
  std::set<std::string> ids;
  for (size_t i = 0; i < data->size(); ++i) {
    VLMLAB_ASSIGN_OR_RETURN(QaItem item,
                            ReadItem((*data)[i], absl::StrCat(path, ": data[", i, "]")));
    if (!ids.insert(item.id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(item.where, ": questionId ", item.id, " appears twice"));
    }
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace vlmlab::metrics
