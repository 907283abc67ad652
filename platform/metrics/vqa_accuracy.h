// VQA accuracy as the official VQAv2 script (vqaEval.py) computes it: the prediction is
// normalised (vqa_normalize.h); the human answers only get processPunctuation, and only when
// they are not all identical; the score is the mean over the 10 leave-one-out subsets of the
// human answers of min(1, matches / 3). So 1, 2, 3, 4 agreeing humans give 0.3, 0.6, 0.9, 1.0.
// Breakdowns per answer type ("yes/no", "number", "other") and per question type are means of
// the per-question scores, as in the script. Scores are fractions in [0, 1] (the script prints
// 100x, rounded to 2 places).
//
//   double a = VqaAccuracy("Two", {"2", "2", "two", ...});       // one question
//   VqaScores s = ScoreVqa(questions, {{"42", "yes"}, ...});      // a whole split
#ifndef VLMLAB_PLATFORM_METRICS_VQA_ACCURACY_H_
#define VLMLAB_PLATFORM_METRICS_VQA_ACCURACY_H_

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace vlmlab::metrics {

// One annotated question (VQAv2 questions + annotations files joined).
struct VqaQuestion {
  std::string question_id;  // the id as text ("42")
  std::string image_id;
  std::string question;
  std::string question_type;  // e.g. "what color is the"
  std::string answer_type;    // "yes/no", "number" or "other"
  std::string multiple_choice_answer;
  std::vector<std::string> answers;  // the human answers (10 in VQAv2)
};

// Accuracy of one prediction against the human answers; 0 when there are none.
double VqaAccuracy(absl::string_view prediction, const std::vector<std::string>& human_answers);

struct GroupScore {
  double mean = 0;
  size_t count = 0;
};

// Means of `scores` grouped by the label at the same index.
std::map<std::string, GroupScore> GroupMeans(const std::vector<double>& scores,
                                             const std::vector<std::string>& groups);

struct VqaScores {
  std::vector<double> per_question;  // aligned with the questions passed in
  size_t missing = 0;                // questions with no prediction; each scored 0
  double overall = 0;
  std::map<std::string, GroupScore> per_answer_type;
  std::map<std::string, GroupScore> per_question_type;
};

// Scores predictions (question id -> answer). A question without a prediction scores 0 and is
// counted in `missing` (the official script refuses such a results file instead).
VqaScores ScoreVqa(const std::vector<VqaQuestion>& questions,
                   const std::map<std::string, std::string>& predictions);

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_VQA_ACCURACY_H_
