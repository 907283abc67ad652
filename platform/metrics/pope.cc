#include "platform/metrics/pope.h"

#include <numeric>
#include <string>

#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace vlmlab::metrics {

bool PopeSaysYes(absl::string_view answer) {
  const absl::string_view first_sentence = answer.substr(0, answer.find('.'));
  const std::string text = absl::StrReplaceAll(first_sentence, {{",", ""}});
  for (absl::string_view word : absl::StrSplit(text, ' ')) {
    if (word == "no" || word == "No" || word == "not") return false;
  }
  return true;
}

PopeMetrics ComputePope(const std::vector<bool>& predicted_yes, const std::vector<bool>& label_yes,
                        const std::vector<size_t>& indices) {
  PopeMetrics m;
  for (size_t i : indices) {
    const bool pred = predicted_yes[i], label = label_yes[i];
    if (pred && label) ++m.tp;
    if (pred && !label) ++m.fp;
    if (!pred && !label) ++m.tn;
    if (!pred && label) ++m.fn;
  }
  auto ratio = [](double a, double b) { return b == 0 ? 0.0 : a / b; };
  const double total = static_cast<double>(indices.size());
  m.accuracy = ratio(m.tp + m.tn, total);
  m.precision = ratio(m.tp, m.tp + m.fp);
  m.recall = ratio(m.tp, m.tp + m.fn);
  m.f1 = ratio(2 * m.precision * m.recall, m.precision + m.recall);
  m.yes_ratio = ratio(m.tp + m.fp, total);
  return m;
}

PopeMetrics ComputePope(const std::vector<bool>& predicted_yes,
                        const std::vector<bool>& label_yes) {
  std::vector<size_t> all(predicted_yes.size());
  std::iota(all.begin(), all.end(), 0);
  return ComputePope(predicted_yes, label_yes, all);
}

}  // namespace vlmlab::metrics
