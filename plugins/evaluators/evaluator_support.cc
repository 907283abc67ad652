#include "plugins/evaluators/evaluator_support.h"

#include <map>

#include "platform/eval/eval_batches.h"

namespace vlmlab {

metrics::BootstrapOptions BootstrapFor(const EvaluatorSpec& spec, uint64_t seed) {
  metrics::BootstrapOptions b;
  b.resamples = spec.bootstrap_samples();
  b.confidence = spec.confidence();
  b.seed = seed;
  return b;
}

MetricValue StatisticWithCi(size_t n, const metrics::Statistic& statistic,
                            const metrics::BootstrapOptions& b) {
  std::vector<size_t> all(n);
  for (size_t i = 0; i < n; ++i) all[i] = i;
  MetricValue m;
  m.n = static_cast<int64_t>(n);
  m.value = n > 0 ? statistic(all) : 0;
  m.ci_low = m.ci_high = m.value;
  if (n == 0 || b.resamples <= 0) return m;
  absl::StatusOr<metrics::Interval> ci = metrics::BootstrapStatistic(n, statistic, b);
  if (ci.ok()) {
    m.ci_low = ci->lower;
    m.ci_high = ci->upper;
  }
  return m;
}

MetricValue MeanWithCi(const std::vector<double>& scores, const metrics::BootstrapOptions& b) {
  return StatisticWithCi(
      scores.size(),
      [&scores](const std::vector<size_t>& idx) {
        double s = 0;
        for (size_t i : idx) s += scores[i];
        return idx.empty() ? 0.0 : s / idx.size();
      },
      b);
}

std::string OwnPrompt(const Sample& sample) {
  for (const Turn& t : sample.turns) {
    if (t.role == Turn::kUser) return t.text;
  }
  return "";
}

std::string OwnAnswer(const Sample& sample) {
  for (auto it = sample.turns.rbegin(); it != sample.turns.rend(); ++it) {
    if (it->role == Turn::kAssistant) return it->text;
  }
  return "";
}

nlohmann::json ExampleRecord(const Sample& sample, const std::string& prompt,
                             const std::string& prediction, double score) {
  nlohmann::json j = {{"key", sample.key},
                      {"prompt", prompt},
                      {"prediction", prediction},
                      {"score", score}};
  std::string image = eval::ImageDataUri(sample);
  if (!image.empty()) j["image"] = image;
  return j;
}

void AddGroupMetrics(const std::string& prefix, const std::vector<double>& scores,
                     const std::vector<std::string>& groups, const metrics::BootstrapOptions& b,
                     EvalOutput* out) {
  std::map<std::string, std::vector<double>> by_group;
  for (size_t i = 0; i < scores.size() && i < groups.size(); ++i) {
    if (!groups[i].empty()) by_group[groups[i]].push_back(scores[i]);
  }
  for (const auto& [g, s] : by_group) out->metrics[prefix + "/" + g] = MeanWithCi(s, b);
}

}  // namespace vlmlab
