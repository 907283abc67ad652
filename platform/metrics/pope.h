// POPE (object hallucination) metrics as the official POPE evaluation script computes them:
// a free-text answer is "no" when, after keeping the text before its first period and
// deleting commas, one of its space-separated words is exactly "no", "No" or "not"; anything
// else, the empty answer included, is "yes". "yes" is the positive class: accuracy, precision,
// recall, F1 and the fraction of "yes" answers. A ratio whose denominator is 0 is reported as
// 0 (the script would divide by zero).
//
//   PopeSaysYes("No, there is no dog.") == false
//   PopeMetrics m = ComputePope(predicted_yes, label_yes);
#ifndef VLMLAB_PLATFORM_METRICS_POPE_H_
#define VLMLAB_PLATFORM_METRICS_POPE_H_

#include <vector>

#include "absl/strings/string_view.h"

namespace vlmlab::metrics {

bool PopeSaysYes(absl::string_view answer);

struct PopeMetrics {
  double accuracy = 0, precision = 0, recall = 0, f1 = 0, yes_ratio = 0;
  size_t tp = 0, fp = 0, tn = 0, fn = 0;
};

// Over all examples, or over the examples at `indices` (repeats count again).
PopeMetrics ComputePope(const std::vector<bool>& predicted_yes, const std::vector<bool>& label_yes);
PopeMetrics ComputePope(const std::vector<bool>& predicted_yes, const std::vector<bool>& label_yes,
                        const std::vector<size_t>& indices);

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_POPE_H_
