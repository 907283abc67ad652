// Reading question-answer sets in the DocVQA style, {"data": [{questionId, question,
// answers: [...]}]}, the gold format of the anls, exact_match, pope and mcq evaluators.
// Optional per entry: "answer" (one string, instead of "answers"), "options" (the MCQ option
// texts), "answer_index" (the MCQ gold option, 0-based), and "category" or "question_type"
// (a label the scores are broken down by, e.g. POPE's adversarial/popular/random).
// ReadQaSet also accepts a VQAv2 annotations file (see qa_files.cc: the gold answer is
// multiple_choice_answer when present, else the human answers).
//
//   VLMLAB_ASSIGN_OR_RETURN(std::vector<QaItem> items, ReadQaSet("val_v1.0.json"));
#ifndef VLMLAB_PLATFORM_METRICS_QA_FILES_H_
#define VLMLAB_PLATFORM_METRICS_QA_FILES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace vlmlab::metrics {

struct QaItem {
  std::string id;
  std::string question;
  std::vector<std::string> answers;  // gold answers (at least one unless answer_index is set)
  std::vector<std::string> options;  // MCQ option texts, when given
  int answer_index = -1;             // MCQ gold option, when given
  std::string group;                 // breakdown label ("" when none)
  std::string where;                 // "file: data[3]" for error messages
};

// A DocVQA-style file or a VQAv2 annotations file (told apart by "data" / "annotations").
absl::StatusOr<std::vector<QaItem>> ReadQaSet(const std::string& path);

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_QA_FILES_H_
