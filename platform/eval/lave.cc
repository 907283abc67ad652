#include "platform/eval/lave.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"

namespace vlmlab::eval {
namespace {

constexpr char kInstruction[] =
    "You are given a question, a set of gold-standard reference answers written by experts, "
    "and a candidate answer. Please rate the accuracy of the candidate answer for the question "
    "considering the reference answers. Use a scale of 1-3, with 1 indicating an incorrect or "
    "irrelevant answer, 2 indicating an ambiguous or incomplete answer, and 3 indicating a "
    "correct answer. Give the rationale before rating.\n"
    "THIS IS VERY IMPORTANT: A binary question should only be answered with 'yes' or 'no', "
    "otherwise the candidate answer is incorrect.\n\n";

constexpr char kQuery[] =
    "Question: '{question}'\n"
    "Reference answers: '{references}'\n"
    "Candidate answer: '{candidate}'\n"
    "Output:";

std::optional<int> Digit(char c) {
  if (c >= '1' && c <= '3') return c - '0';
  return std::nullopt;
}

}  // namespace

std::string LavePromptTemplate() { return absl::StrCat(kInstruction, kQuery); }

std::string LavePrompt(absl::string_view question, const std::vector<std::string>& references,
                       absl::string_view candidate) {
  std::vector<std::string> distinct;
  std::set<std::string> seen;
  for (const std::string& r : references) {
    if (seen.insert(r).second) distinct.push_back(r);
  }
  // One pass, so text inside the question or candidate is never substituted again.
  return absl::StrReplaceAll(LavePromptTemplate(),
                             {{"{question}", question},
                              {"{references}", absl::StrJoin(distinct, ", ")},
                              {"{candidate}", candidate}});
}

std::optional<int> ParseLaveRating(absl::string_view reply) {
  const std::string lower = absl::AsciiStrToLower(reply);
  size_t at = lower.rfind("rating");
  while (at != std::string::npos) {
    size_t i = at + 6;
    while (i < lower.size() && lower[i] == ' ') ++i;
    if (i < lower.size() && (lower[i] == '=' || lower[i] == ':')) {
      ++i;
      while (i < lower.size() && lower[i] == ' ') ++i;
      if (i < lower.size() && lower[i] >= '0' && lower[i] <= '9') {
        // Only a single digit counts: "rating=30" is no rating.
        if (i + 1 < lower.size() && lower[i + 1] >= '0' && lower[i + 1] <= '9') {
          return std::nullopt;
        }
        return Digit(lower[i]);
      }
    }
    if (at == 0) break;
    at = lower.rfind("rating", at - 1);
  }
  absl::string_view rest = absl::StripAsciiWhitespace(reply);
  absl::ConsumeSuffix(&rest, ".");
  if (rest.size() == 1) return Digit(rest[0]);
  return std::nullopt;
}

double LaveScore(int rating) { return (rating - 1) / 2.0; }

}  // namespace vlmlab::eval
