// VQA answer normalisation exactly as the official VQAv2 evaluation script
// (GT-Vision-Lab/VQA PythonEvaluationTools/vqaEvaluation/vqaEval.py, the Python 3 version):
// processPunctuation, then processDigitArticle (number words to digits, articles dropped,
// contractions restored from the script's table). docs/metrics.md lists the rules.
//
//   NormalizeVqaAnswer("Two dogs.")  == "2 dogs"
//   NormalizeVqaAnswer("1,000")      == "1000"
//   NormalizeVqaAnswer("dont know")  == "don't know"
#ifndef VLMLAB_PLATFORM_METRICS_VQA_NORMALIZE_H_
#define VLMLAB_PLATFORM_METRICS_VQA_NORMALIZE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace vlmlab::metrics {

// The script's processPunctuation: each of ; / [ ] " { } ( ) = + \ _ - > < @ ` , ? ! is deleted
// when the *input* has it next to a space, or has a comma between two digits anywhere ("1,000");
// otherwise it becomes a space. Then up to 32 periods not followed by a digit are deleted (the
// script passes re.UNICODE, 32, as the count). Apostrophes and colons are left alone.
std::string VqaProcessPunctuation(absl::string_view text);

// The script's processDigitArticle: lowercase, split on whitespace, map none/zero..ten to
// 0..10, drop a/an/the, restore contractions ("dont" -> "don't"; "its" is not in the table),
// join with single spaces.
std::string VqaProcessDigitArticle(absl::string_view text);

// The script's first clean-up of every answer: newlines and tabs to spaces, then strip.
std::string VqaCleanAnswer(absl::string_view text);

// VqaCleanAnswer, then the two above: the full processing of an answer.
std::string NormalizeVqaAnswer(absl::string_view text);

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_VQA_NORMALIZE_H_
