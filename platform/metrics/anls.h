// ANLS (average normalised Levenshtein similarity) per question, as the DocVQA / ST-VQA
// evaluation script computes it: both strings are lowercased (Python's str.lower(): Unicode
// full case mapping), stripped and their whitespace runs collapsed (Unicode whitespace); for
// each gold answer NL = edit distance / max(len(gold), len(prediction)), with the lengths taken
// of the strings as given (the script's quirk; NL = 0 when both are empty); the score is
// 1 - min NL over the gold answers, or 0 when that is below the threshold (so NL = 0.5 still
// scores 0.5). Lengths and edits count Unicode code points.
//
//   Anls("Dr. Lobo", {"Dear Dr. Lobo", "dr. lobo"}) == 1.0
#ifndef VLMLAB_PLATFORM_METRICS_ANLS_H_
#define VLMLAB_PLATFORM_METRICS_ANLS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace vlmlab::metrics {

// 0 when there are no gold answers.
double Anls(absl::string_view prediction, const std::vector<std::string>& gold,
            double threshold = 0.5);

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_ANLS_H_
