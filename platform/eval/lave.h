// LAVE-style answer judging (Mañas et al., "Improving Automatic VQA Evaluation Using Large
// Language Models", AAAI 2024): a language model reads the question, the reference answers and
// a candidate answer, gives a rationale and a rating on 1..3; the rating maps to a score
// (1 -> 0, 2 -> 0.5, 3 -> 1). The prompt is pinned (kLavePromptVersion names it; docs/metrics.md
// prints it): change it only together with the version.
//
//   std::string prompt = LavePrompt("What color is the cube?", {"red", "red", "dark red"}, "red");
//   std::optional<int> rating = ParseLaveRating(judge_reply);   // "... So rating=3" -> 3
//   double score = rating ? LaveScore(*rating) : 0.0;           // unparseable counts as 0
#ifndef VLMLAB_PLATFORM_EVAL_LAVE_H_
#define VLMLAB_PLATFORM_EVAL_LAVE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace vlmlab::eval {

inline constexpr char kLavePromptVersion[] = "lave-v1";

// The instruction, then the query: the question, the distinct references in order of first
// appearance joined with ", ", the candidate, and "Output:" for the judge to continue.
std::string LavePrompt(absl::string_view question, const std::vector<std::string>& references,
                       absl::string_view candidate);

// The template LavePrompt fills ({question}, {references}, {candidate}): what the results
// record (and hash) as the judge's prompt.
std::string LavePromptTemplate();

// The rating in a judge's reply: the digit after the last "rating" followed by optional
// spaces, "=" or ":", optional spaces (case-insensitive); else the reply itself when it is
// one digit (surrounding whitespace and a final period allowed). nullopt unless 1, 2 or 3.
std::optional<int> ParseLaveRating(absl::string_view reply);

// (rating - 1) / 2: 1 -> 0, 2 -> 0.5, 3 -> 1.
double LaveScore(int rating);

}  // namespace vlmlab::eval

#endif  // VLMLAB_PLATFORM_EVAL_LAVE_H_
