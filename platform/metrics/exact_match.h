// Exact match of a prediction against any gold answer, after an optional normalisation:
//   none   - byte for byte;
//   simple - lowercase (Python's str.lower(), Unicode), whitespace runs collapsed (Unicode
//            whitespace), surrounding whitespace and trailing periods removed
//            ("Paris." == "paris");
//   vqa    - the VQA answer normalisation (vqa_normalize.h) on both sides.
//
//   ExactMatch("Paris.", {"paris"}, MatchNormalization::kSimple) == 1.0
#ifndef VLMLAB_PLATFORM_METRICS_EXACT_MATCH_H_
#define VLMLAB_PLATFORM_METRICS_EXACT_MATCH_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vlmlab::metrics {

enum class MatchNormalization { kNone, kSimple, kVqa };

// "none", "simple" or "vqa"; anything else is an error listing them.
absl::StatusOr<MatchNormalization> ParseMatchNormalization(absl::string_view name);

std::string NormalizeForMatch(absl::string_view text, MatchNormalization normalization);

// 1 when the normalised prediction equals a normalised gold answer, else 0.
double ExactMatch(absl::string_view prediction, const std::vector<std::string>& gold,
                  MatchNormalization normalization);

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_EXACT_MATCH_H_
