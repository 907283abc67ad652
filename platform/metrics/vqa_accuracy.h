// VQA accuracy as the official VQAv2 script (vqaEval.py) computes it. In the current script
// (since its 2021 commit "Fixed processing answers bug"), the prediction and the human answers
// have newlines and tabs made spaces and are stripped; then, only when the human answers are not
// all identical, both go through processPunctuation and processDigitArticle (vqa_normalize.h);
// when they are identical neither does, so "Red" against ten "red" scores 0. The pre-2021 script
// (VqaScript::kPre2021, for reproducing older papers) always normalised the prediction fully and
// passed the human answers, unstripped, through processPunctuation alone when they were not all
// identical. The score is the mean over the 10 leave-one-out subsets of the human answers of
// min(1, matches / 3). So 1, 2, 3, 4 agreeing humans give 0.3, 0.6, 0.9, 1.0.
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

#include "absl/status/statusor.h"
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

// Which version of the official script's answer processing to follow.
enum class VqaScript {
  kCurrent,  // GT-Vision-Lab/VQA since March 2021 (the default everywhere)
  kPre2021,  // the script before that fix, as used by papers that predate it
};

// "current" or "pre2021"; anything else is an error listing them.
absl::StatusOr<VqaScript> ParseVqaScript(absl::string_view name);
const char* VqaScriptName(VqaScript script);

// Accuracy of one prediction against the human answers; 0 when there are none.
double VqaAccuracy(absl::string_view prediction, const std::vector<std::string>& human_answers,
                   VqaScript script = VqaScript::kCurrent);

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
                   const std::map<std::string, std::string>& predictions,
                   VqaScript script = VqaScript::kCurrent);

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_VQA_ACCURACY_H_
