#include "platform/metrics/exact_match.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/metrics/text_util.h"
#include "platform/metrics/vqa_normalize.h"

namespace vlmlab::metrics {

absl::StatusOr<MatchNormalization> ParseMatchNormalization(absl::string_view name) {
  if (name == "none") return MatchNormalization::kNone;
  if (name == "simple") return MatchNormalization::kSimple;
  if (name == "vqa") return MatchNormalization::kVqa;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown answer normalisation '", name, "'; use one of: none, simple, vqa"));
}

std::string NormalizeForMatch(absl::string_view text, MatchNormalization normalization) {
  switch (normalization) {
    case MatchNormalization::kNone:
      return std::string(text);
    case MatchNormalization::kVqa:
      return NormalizeVqaAnswer(text);
    case MatchNormalization::kSimple: {
      std::string out = absl::StrJoin(SplitWhitespace(PythonLower(text)), " ");
      while (!out.empty() && (out.back() == '.' || out.back() == ' ')) out.pop_back();
      return out;
    }
  }
  return std::string(text);
}

double ExactMatch(absl::string_view prediction, const std::vector<std::string>& gold,
                  MatchNormalization normalization) {
  const std::string pred = NormalizeForMatch(prediction, normalization);
  for (const std::string& g : gold) {
    if (NormalizeForMatch(g, normalization) == pred) return 1.0;
  }
  return 0.0;
}

}  // namespace vlmlab::metrics
