// Reading prediction files: a JSON list of {<id>, "answer"} entries (VQAv2 results use
// "question_id", DocVQA results "questionId"; either is accepted), and checking them against
// the gold ids. Duplicate ids and ids the gold data does not have are errors naming the file
// and the entry; gold ids without a prediction are the caller's to count (and score as wrong).
//
//   VLMLAB_ASSIGN_OR_RETURN(auto answers, ReadAnswerResults("val_results.json"));
//   VLMLAB_RETURN_IF_ERROR(CheckKnownIds(answers, gold_ids, "val_results.json", "question"));
#ifndef VLMLAB_PLATFORM_METRICS_RESULTS_FILES_H_
#define VLMLAB_PLATFORM_METRICS_RESULTS_FILES_H_

#include <map>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vlmlab::metrics {

struct ResultsOptions {
  // Also accept an integer "answer" (an option index), stored as its letter: 0 -> "A".
  bool allow_option_index = false;
};

// id -> answer text.
absl::StatusOr<std::map<std::string, std::string>> ReadAnswerResults(
    const std::string& path, const ResultsOptions& options = {});

// An error naming the first prediction whose id is not among `known` (and how many such).
// `what` names the id's kind in the message: "question", "image".
absl::Status CheckKnownIds(const std::map<std::string, std::string>& predictions,
                           const std::set<std::string>& known, const std::string& path,
                           absl::string_view what);

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_RESULTS_FILES_H_
