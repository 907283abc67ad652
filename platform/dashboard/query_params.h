// Typed, checked access to a request's query parameters: every bad value is an
// InvalidArgument naming the parameter, what it got and what it accepts (the API answers 400
// with that message), and parameters a route does not know are refused the same way.
//
//   QueryParams params(request);
//   VLMLAB_RETURN_IF_ERROR(params.OnlyKnown({"run", "limit"}));
//   VLMLAB_ASSIGN_OR_RETURN(int64_t limit, params.Int("limit", /*fallback=*/50, 1, 1000));
#ifndef VLMLAB_PLATFORM_DASHBOARD_QUERY_PARAMS_H_
#define VLMLAB_PLATFORM_DASHBOARD_QUERY_PARAMS_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "platform/dashboard/http_message.h"

namespace vlmlab::dashboard {

class QueryParams {
 public:
  explicit QueryParams(const HttpRequest& request) : request_(request) {}

  // InvalidArgument naming the first parameter not in `known` (and listing `known`).
  absl::Status OnlyKnown(std::initializer_list<absl::string_view> known) const;

  // The last value of `name`, or nullopt when absent.
  std::optional<std::string> Get(absl::string_view name) const;
  // Like Get, but InvalidArgument when absent or empty.
  absl::StatusOr<std::string> Required(absl::string_view name) const;
  // Every value of `name`, each split at commas, empty items dropped:
  // "runs=a,b&runs=c" -> {"a", "b", "c"} (order kept, duplicates removed).
  std::vector<std::string> List(absl::string_view name) const;
  // An integer in [min, max]; `fallback` when absent.
  absl::StatusOr<int64_t> Int(absl::string_view name, int64_t fallback, int64_t min,
                              int64_t max) const;
  // "1"/"true"/"yes" or "0"/"false"/"no"; `fallback` when absent.
  absl::StatusOr<bool> Bool(absl::string_view name, bool fallback) const;
  // One of `choices`; `fallback` when absent.
  absl::StatusOr<std::string> Choice(absl::string_view name,
                                     std::initializer_list<absl::string_view> choices,
                                     absl::string_view fallback) const;

 private:
  const HttpRequest& request_;
};

}  // namespace vlmlab::dashboard

#endif  // VLMLAB_PLATFORM_DASHBOARD_QUERY_PARAMS_H_
