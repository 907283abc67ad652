// Status propagation macros (this Abseil has no status_macros.h), and Prefixed, which says
// where an error came from.
//
//   VLMLAB_ASSIGN_OR_RETURN(Tensor y, ops::Matmul(x, w));
//   VLMLAB_RETURN_IF_ERROR(Backward(loss));
//   return Prefixed(LoadWeights(dir), "evaluator vqa");   // "evaluator vqa: <message>"
#ifndef VLMLAB_PLATFORM_BASE_STATUS_MACROS_H_
#define VLMLAB_PLATFORM_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

#define VLMLAB_STATUS_CONCAT_INNER(a, b) a##b
#define VLMLAB_STATUS_CONCAT(a, b) VLMLAB_STATUS_CONCAT_INNER(a, b)

#define VLMLAB_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    const ::absl::Status vlmlab_status_ = (expr);    \
    if (!vlmlab_status_.ok()) return vlmlab_status_; \
  } while (0)

#define VLMLAB_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(*tmp)

#define VLMLAB_ASSIGN_OR_RETURN(lhs, expr) \
  VLMLAB_ASSIGN_OR_RETURN_IMPL(VLMLAB_STATUS_CONCAT(vlmlab_statusor_, __LINE__), lhs, expr)

namespace vlmlab {

// `status` with "prefix: " before its message and the same code; OK stays OK.
inline absl::Status Prefixed(const absl::Status& status, absl::string_view prefix) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(prefix, ": ", status.message()));
}

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_BASE_STATUS_MACROS_H_
