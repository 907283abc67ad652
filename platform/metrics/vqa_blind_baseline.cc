#include "platform/metrics/vqa_blind_baseline.h"

#include "platform/metrics/vqa_normalize.h"

namespace vlmlab::metrics {
namespace {

// The most frequent key; ties go to the smallest key (std::map iterates in order).
std::string MostFrequent(const std::map<std::string, size_t>& counts) {
  std::string best;
  size_t best_count = 0;
  for (const auto& [answer, count] : counts) {
    if (count > best_count) {
      best = answer;
      best_count = count;
    }
  }
  return best;
}

}  // namespace

VqaBlindBaseline VqaBlindBaseline::Fit(const std::vector<VqaQuestion>& training) {
  std::map<std::string, std::map<std::string, size_t>> per_question;
  std::map<std::string, size_t> overall;
  for (const VqaQuestion& q : training) {
    std::map<std::string, size_t>& counts = per_question[NormalizeVqaAnswer(q.question)];
    for (const std::string& raw : q.answers) {
      std::string answer = NormalizeVqaAnswer(raw);
      if (answer.empty()) continue;
      ++counts[answer];
      ++overall[answer];
    }
  }
  VqaBlindBaseline out;
  out.fallback_ = MostFrequent(overall);
  for (const auto& [question, counts] : per_question) {
    if (!counts.empty()) out.by_question_[question] = MostFrequent(counts);
  }
  return out;
}

std::string VqaBlindBaseline::Predict(absl::string_view question) const {
  auto it = by_question_.find(NormalizeVqaAnswer(question));
  return it == by_question_.end() ? fallback_ : it->second;
}

std::map<std::string, std::string> VqaBlindBaseline::PredictAll(
    const std::vector<VqaQuestion>& questions) const {
  std::map<std::string, std::string> out;
  for (const VqaQuestion& q : questions) out[q.question_id] = Predict(q.question);
  return out;
}

bool VqaBlindBaseline::Seen(absl::string_view question) const {
  return by_question_.count(NormalizeVqaAnswer(question)) > 0;
}

}  // namespace vlmlab::metrics
