// Multiple-choice answers: which option a generated answer picks. Rules, first match wins:
//   1. the whole answer is a letter, maybe bracketed or followed by . : )  ("B", "(b)", "B.");
//   2. it starts with a label: "B. a red car", "(B) a red car", "B) ...", "B: ...";
//   3. a phrase: "answer is", "answer:", "option", "choice", then the letter, maybe bracketed
//      ("The answer is B", "The correct answer is (C).", "Answer: D", "option b)");
//   4. the answer equals one option's text (ASCII case, spaces and a trailing period ignored);
//   5. exactly one distinct standalone capital letter among the valid ones, not counting "A" or
//      "I" followed by a space and a lowercase word ("A cat", "I think"): "I think C" is C, "B
//      or C" is nothing.
// Letters beyond the number of options never count. -1: no option found.
//
//   ParseChoice("The answer is (C).", 4) == 2
#ifndef VLMLAB_PLATFORM_METRICS_MCQ_H_
#define VLMLAB_PLATFORM_METRICS_MCQ_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace vlmlab::metrics {

// num_options: how many options (A, B, ...); 0 allows A..Z. options: their texts, optional.
int ParseChoice(absl::string_view answer, int num_options,
                const std::vector<std::string>& options = {});

// "A" for 0, "B" for 1, ...
std::string ChoiceLetter(int index);

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_MCQ_H_
