#include "platform/metrics/vqa_accuracy.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "platform/metrics/vqa_normalize.h"

namespace vlmlab::metrics {

absl::StatusOr<VqaScript> ParseVqaScript(absl::string_view name) {
  if (name == "current") return VqaScript::kCurrent;
  if (name == "pre2021") return VqaScript::kPre2021;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown VQA script version '", name,
      "'; use current (the official script since 2021) or pre2021 (its earlier answer processing)"));
}

const char* VqaScriptName(VqaScript script) {
  return script == VqaScript::kPre2021 ? "pre2021" : "current";
}

namespace {

bool AllIdentical(const std::vector<std::string>& answers) {
  return std::set<std::string>(answers.begin(), answers.end()).size() <= 1;
}

}  // namespace

double VqaAccuracy(absl::string_view prediction, const std::vector<std::string>& human_answers,
                   VqaScript script) {
  if (human_answers.empty()) return 0;
  std::string answer;
  std::vector<std::string> humans = human_answers;
  if (script == VqaScript::kPre2021) {
    answer = NormalizeVqaAnswer(prediction);
    if (!AllIdentical(humans)) {
      for (std::string& h : humans) h = VqaProcessPunctuation(h);
    }
  } else {
    answer = VqaCleanAnswer(prediction);
    for (std::string& h : humans) h = VqaCleanAnswer(h);
    if (!AllIdentical(humans)) {
      for (std::string& h : humans) h = VqaProcessDigitArticle(VqaProcessPunctuation(h));
      answer = VqaProcessDigitArticle(VqaProcessPunctuation(answer));
    }
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
                   const std::map<std::string, std::string>& predictions, VqaScript script) {
  VqaScores out;
  std::vector<std::string> answer_types, question_types;
  double sum = 0;
  for (const VqaQuestion& q : questions) {
    auto it = predictions.find(q.question_id);
    double score = 0;
    if (it == predictions.end()) {
      ++out.missing;
    } else {
      score = VqaAccuracy(it->second, q.answers, script);
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
