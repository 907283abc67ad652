#include "platform/metrics/results_files.h"

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/metrics/json_input.h"
#include "platform/metrics/mcq.h"

namespace vlmlab::metrics {

absl::StatusOr<std::map<std::string, std::string>> ReadAnswerResults(
    const std::string& path, const ResultsOptions& options) {
  VLMLAB_ASSIGN_OR_RETURN(nlohmann::json root, ReadJsonFile(path));
  if (!root.is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": a results file is a JSON list of {\"question_id\", \"answer\"} entries, found ",
        JsonTypeName(root)));
  }
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < root.size(); ++i) {
    const nlohmann::json& entry = root[i];
    const std::string where = absl::StrCat(path, ": entry ", i);
    VLMLAB_ASSIGN_OR_RETURN(std::string id,
                            IdFieldOneOf(entry, {"question_id", "questionId"}, where));
    std::string answer;
    auto it = entry.find("answer");
    if (options.allow_option_index && it != entry.end() && it->is_number_integer()) {
      const int64_t index = it->get<int64_t>();
      if (index < 0 || index >= 26) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, " (id ", id, "): option index ", index, " is outside 0..25"));
      }
      answer = ChoiceLetter(static_cast<int>(index));
    } else {
      VLMLAB_ASSIGN_OR_RETURN(answer, StringField(entry, "answer", where));
    }
    if (!out.emplace(id, answer).second) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": a second prediction for id ", id,
                                                     "; keep one prediction per question"));
    }
  }
  return out;
}

absl::Status CheckKnownIds(const std::map<std::string, std::string>& predictions,
                           const std::set<std::string>& known, const std::string& path,
                           absl::string_view what) {
  size_t unknown = 0;
  std::string first;
  for (const auto& [id, answer] : predictions) {
    if (known.count(id) > 0) continue;
    if (unknown++ == 0) first = id;
  }
  if (unknown == 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(path, ": has predictions for ", unknown, " ", what,
                                                 " id(s) the gold data lacks, e.g. ", first,
                                                 "; are the results for a different split?"));
}

}  // namespace vlmlab::metrics
