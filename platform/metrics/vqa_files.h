// Reading the official VQAv2 files: questions {"questions": [{question_id, image_id,
// question}]} and annotations {"annotations": [{question_id, image_id, answer_type,
// question_type, multiple_choice_answer, answers: [{answer, answer_confidence, answer_id}]}]}.
// answer_type, question_type and multiple_choice_answer may be absent (other VQA-style sets);
// `answers` must list at least one answer. The questions file is optional (without it
// question texts are empty); with it, both files must cover the same question ids.
//
//   VLMLAB_ASSIGN_OR_RETURN(std::vector<VqaQuestion> qs,
//       ReadVqaDataset("v2_OpenEnded_mscoco_val2014_questions.json",
//                      "v2_mscoco_val2014_annotations.json"));
#ifndef VLMLAB_PLATFORM_METRICS_VQA_FILES_H_
#define VLMLAB_PLATFORM_METRICS_VQA_FILES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/metrics/vqa_accuracy.h"

namespace vlmlab::metrics {

// In the annotations file's order. questions_path may be "".
absl::StatusOr<std::vector<VqaQuestion>> ReadVqaDataset(const std::string& questions_path,
                                                        const std::string& annotations_path);

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_VQA_FILES_H_
