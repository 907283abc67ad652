#include "platform/store/records.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace vlmlab::store {

absl::string_view RunStatusName(RunStatus status) {
  switch (status) {
    case RunStatus::kPending:
      return "pending";
    case RunStatus::kRunning:
      return "running";
    case RunStatus::kCompleted:
      return "completed";
    case RunStatus::kFailed:
      return "failed";
  }
  return "unknown";
}

absl::StatusOr<RunStatus> ParseRunStatus(absl::string_view name) {
  for (RunStatus s :
       {RunStatus::kPending, RunStatus::kRunning, RunStatus::kCompleted, RunStatus::kFailed}) {
    if (RunStatusName(s) == name) return s;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("run status '", name, "' is not one of pending, running, completed, failed"));
}

}  // namespace vlmlab::store
