// Scoring a results file against official gold files: what `vlmlab score` runs. One evaluator
// per metric family:
//   vqa_accuracy - VQAv2 questions (optional) + annotations, results [{question_id, answer}];
//                  optional training questions + annotations add the blind baseline;
//   caption      - COCO caption annotations, results [{image_id, caption}]: BLEU-1..4, CIDEr-D;
//   anls, exact_match, pope, mcq - a DocVQA-style {"data": [...]} file (qa_files.h) or VQAv2
//                  annotations, results [{questionId or question_id, answer}].
// Gold examples without a prediction are scored as wrong and counted (a note says so);
// predictions for ids the gold data lacks are an error.
//
//   ScoreRequest request{.evaluator = "vqa_accuracy", .annotations_path = "a.json",
//                        .results_path = "r.json"};
//   VLMLAB_ASSIGN_OR_RETURN(ScoreReport report, ScoreFiles(request));
#ifndef VLMLAB_PLATFORM_METRICS_SCORE_FILES_H_
#define VLMLAB_PLATFORM_METRICS_SCORE_FILES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/metrics/bootstrap.h"
#include "platform/metrics/exact_match.h"
#include "platform/metrics/score_report.h"
#include "platform/metrics/vqa_accuracy.h"

namespace vlmlab::metrics {

struct ScoreRequest {
  std::string evaluator;
  std::string questions_path;    // vqa_accuracy only; may be ""
  std::string annotations_path;  // the gold file
  std::string results_path;
  std::string train_questions_path;  // vqa_accuracy: blind baseline (both or neither)
  std::string train_annotations_path;
  MatchNormalization normalization = MatchNormalization::kSimple;  // exact_match
  VqaScript vqa_script = VqaScript::kCurrent;                      // vqa_accuracy
  BootstrapOptions bootstrap;                                      // resamples 0: no intervals
};

// "vqa_accuracy", "caption", "anls", "exact_match", "pope", "mcq".
const std::vector<std::string>& EvaluatorNames();

absl::StatusOr<ScoreReport> ScoreFiles(const ScoreRequest& request);

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_SCORE_FILES_H_
