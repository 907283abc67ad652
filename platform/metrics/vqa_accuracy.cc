#include "platform/metrics/vqa_accuracy.h"

#include <algorithm>
#include <set>

#include "platform/metrics/vqa_normalize.h"

namespace vlmlab::metrics {

double VqaAccuracy(absl::string_view prediction, const std::vector<std::string>& human_answers) {
  if (human_answers.empty()) return 0;
  const std::string answer = NormalizeVqaAnswer(prediction);
  std::vector<std::string> humans = human_answers;
  if (std::set<std::string>(humans.begin(), humans.end()).size() > 1) {
    for (std::string& h : humans) h = VqaProcessPunctuation(h);
  }
  size_t total_matches = 0;
  for (const std::string& h : humans) total_matches += h == answer ? 1 : 0;
  double sum = 0;
  for (const std::string& left_out : humans) {
    // Leave this human out: the others that match the prediction.
    const size_t matches = total_matches - (left_out == answer ? 1 : 0);
    sum += std::min(1.0, static_cast<double>(matches) / 3.0);
  }
  return sum / static_cast<double>(humans.size());
}

std::map<std::string, GroupScore> GroupMeans(const std::vector<double>& scores,
                                             const std::vector<std::string>& groups) {
  std::map<std::string, GroupScore> out;
  for (size_t i = 0; i < scores.size() && i < groups.size(); ++i) {
    GroupScore& g = out[groups[i]];
    g.mean += scores[i];
    ++g.count;
  }
  for (auto& [name, g] : out) g.mean /= static_cast<double>(g.count);
  return out;
}

VqaScores ScoreVqa(const std::vector<VqaQuestion>& questions,
                   const std::map<std::string, std::string>& predictions) {
  VqaScores out;
  std::vector<std::string> answer_types, question_types;
  double sum = 0;
  for (const VqaQuestion& q : questions) {
    auto it = predictions.find(q.question_id);
    double score = 0;
    if (it == predictions.end()) {
      ++out.missing;
    } else {
      score = VqaAccuracy(it->second, q.answers);
    }
    out.per_question.push_back(score);
    answer_types.push_back(q.answer_type);
    question_types.push_back(q.question_type);
    sum += score;
  }
  out.overall = questions.empty() ? 0 : sum / static_cast<double>(questions.size());
  out.per_answer_type = GroupMeans(out.per_question, answer_types);
  out.per_question_type = GroupMeans(out.per_question, question_types);
  return out;
}

}  // namespace vlmlab::metrics
