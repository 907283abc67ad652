#include "platform/dashboard/json_response.h"

namespace vlmlab::dashboard {

std::string SafeJsonDump(const nlohmann::json& value) {
  const std::string dumped = value.dump(/*indent=*/-1, ' ', /*ensure_ascii=*/false,
                                        nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(dumped.size());
  // '<', '>' and '&' occur only inside JSON strings, where \uXXXX means the same character.
  for (char c : dumped) {
    switch (c) {
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

HttpResponse JsonResponse(const nlohmann::json& value, int status) {
  HttpResponse response;
  response.status = status;
  response.content_type = kJsonContentType;
  response.body = SafeJsonDump(value);
  return response;
}

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
      return 409;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

HttpResponse ErrorResponse(const absl::Status& status) {
  return JsonResponse({{"error", std::string(status.message())}}, HttpStatusFor(status.code()));
}

}  // namespace vlmlab::dashboard
