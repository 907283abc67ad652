// JSON responses of the dashboard's API: bodies with `<`, `>` and `&` written as \u escapes
// (so a run named "<script>" never appears as markup, even if a response were misread as
// HTML), the right content type, and errors as {"error": "message"} with a matching status.
//
//   return JsonResponse({{"runs", runs}});
//   return ErrorResponse(absl::InvalidArgumentError("limit: expected 1..1000, got 'x'"));
#ifndef VLMLAB_PLATFORM_DASHBOARD_JSON_RESPONSE_H_
#define VLMLAB_PLATFORM_DASHBOARD_JSON_RESPONSE_H_

#include <string>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"
#include "platform/dashboard/http_message.h"

namespace vlmlab::dashboard {

inline constexpr char kJsonContentType[] = "application/json; charset=utf-8";

// nlohmann's dump (NaN and infinities become null; invalid UTF-8 is replaced) with <, >, &
// escaped as \u003c, \u003e, \u0026.
std::string SafeJsonDump(const nlohmann::json& value);

HttpResponse JsonResponse(const nlohmann::json& value, int status = 200);

// {"error": message} with the HTTP status for the code (InvalidArgument 400, Unauthenticated
// 401, PermissionDenied 403, NotFound 404, FailedPrecondition 409, Unavailable 503, other 500).
HttpResponse ErrorResponse(const absl::Status& status);
int HttpStatusFor(absl::StatusCode code);

}  // namespace vlmlab::dashboard

#endif  // VLMLAB_PLATFORM_DASHBOARD_JSON_RESPONSE_H_
