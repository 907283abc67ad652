// The "blind" VQA baseline: answer each question with the most frequent training answer for the
// same normalised question text, ignoring the image; unseen questions get the most frequent
// answer overall. It measures how much of a score language priors alone explain.
//
// Question text and answers are normalised with NormalizeVqaAnswer (case, punctuation, number
// words, articles), so "How many dogs?" and "how many dogs" share their counts. Every human
// answer of a training question counts once; ties go to the alphabetically first answer.
//
//   VqaBlindBaseline blind = VqaBlindBaseline::Fit(train_questions);
//   VqaScores s = ScoreVqa(val_questions, blind.PredictAll(val_questions));
#ifndef VLMLAB_PLATFORM_METRICS_VQA_BLIND_BASELINE_H_
#define VLMLAB_PLATFORM_METRICS_VQA_BLIND_BASELINE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "platform/metrics/vqa_accuracy.h"

namespace vlmlab::metrics {

class VqaBlindBaseline {
 public:
  // Uses each training question's text and its human answers.
  static VqaBlindBaseline Fit(const std::vector<VqaQuestion>& training);

  // The prediction for a question text.
  std::string Predict(absl::string_view question) const;
  // Question id -> prediction for every question.
  std::map<std::string, std::string> PredictAll(const std::vector<VqaQuestion>& questions) const;

  // Whether this exact normalised question text was seen in training.
  bool Seen(absl::string_view question) const;
  // The most frequent training answer overall ("" when training had no answers).
  const std::string& fallback() const { return fallback_; }

 private:
  std::map<std::string, std::string> by_question_;  // normalised question -> its top answer
  std::string fallback_;
};

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_VQA_BLIND_BASELINE_H_
