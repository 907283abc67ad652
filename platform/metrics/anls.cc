#include "platform/metrics/anls.h"

#include <algorithm>

#include "absl/strings/str_join.h"
#include "platform/metrics/text_util.h"

namespace vlmlab::metrics {
namespace {

// " ".join(s.strip().lower().split()) with Python's Unicode lowercasing and whitespace.
std::string Collapse(absl::string_view s) {
  return absl::StrJoin(SplitWhitespace(PythonLower(s)), " ");
}

}  // namespace

double Anls(absl::string_view prediction, const std::vector<std::string>& gold, double threshold) {
  if (gold.empty()) return 0;
  const std::vector<char32_t> pred = CodePoints(Collapse(prediction));
  const size_t pred_len = CodePoints(prediction).size();
  double best_nl = 1;
  for (const std::string& g : gold) {
    const size_t length = std::max(CodePoints(g).size(), pred_len);
    const double nl =
        length == 0 ? 0.0
                    : static_cast<double>(LevenshteinDistance(CodePoints(Collapse(g)), pred)) /
                          static_cast<double>(length);
    best_nl = std::min(best_nl, nl);
  }
  const double score = 1 - best_nl;
  return score < threshold ? 0.0 : score;
}

}  // namespace vlmlab::metrics
