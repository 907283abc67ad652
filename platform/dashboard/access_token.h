// The dashboard's optional access token. With a token set, every request must carry it: in the
// header `X-Vlmlab-Token: T` (or `Authorization: Bearer T`), or in the cookie `vlmlab_token`,
// which a first visit to any page with `?token=T` sets (answering with a redirect to the same
// page without the token in its address). Tokens are compared in constant time.
//
//   AccessGuard guard("3f9c...");
//   if (std::optional<HttpResponse> refused = guard.Check(request)) return *refused;
#ifndef VLMLAB_PLATFORM_DASHBOARD_ACCESS_TOKEN_H_
#define VLMLAB_PLATFORM_DASHBOARD_ACCESS_TOKEN_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "platform/dashboard/http_message.h"

namespace vlmlab::dashboard {

inline constexpr char kTokenCookie[] = "vlmlab_token";
inline constexpr char kTokenHeader[] = "x-vlmlab-token";

// Equal strings, in time that depends only on `expected`'s length.
bool ConstantTimeEquals(absl::string_view expected, absl::string_view given);

// OK for a usable token: 16 to 256 characters from A-Z a-z 0-9 . _ ~ - (safe in a URL and a
// cookie). The message says how to make one.
absl::Status CheckTokenSyntax(absl::string_view token);

// The value of cookie `name` in a Cookie header ("a=1; vlmlab_token=T"), or "".
std::string CookieValue(absl::string_view cookie_header, absl::string_view name);

class AccessGuard {
 public:
  // An empty token lets every request through.
  explicit AccessGuard(std::string token) : token_(std::move(token)) {}

  bool enabled() const { return !token_.empty(); }
  // nullopt when the request may proceed; otherwise the response to send: a 303 redirect
  // setting the cookie (a correct ?token=), or 401 (JSON under /api/, text elsewhere).
  std::optional<HttpResponse> Check(const HttpRequest& request) const;

 private:
  std::string token_;
};

}  // namespace vlmlab::dashboard

#endif  // VLMLAB_PLATFORM_DASHBOARD_ACCESS_TOKEN_H_
