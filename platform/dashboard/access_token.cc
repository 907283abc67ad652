#include "platform/dashboard/access_token.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "platform/dashboard/json_response.h"

namespace vlmlab::dashboard {
namespace {

bool IsUnreserved(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '~' ||
         c == '-';
}

std::string PercentEncode(absl::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(c);
    } else {
      unsigned char u = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

}  // namespace

bool ConstantTimeEquals(absl::string_view expected, absl::string_view given) {
  volatile unsigned char diff = expected.size() == given.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    const char g = given.empty() ? 0 : given[i % given.size()];
    diff = diff | static_cast<unsigned char>(expected[i] ^ g);
  }
  return diff == 0;
}

absl::Status CheckTokenSyntax(absl::string_view token) {
  bool ok = token.size() >= 16 && token.size() <= 256;
  for (char c : token) ok = ok && IsUnreserved(c);
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      "the dashboard token (--token or VLMLAB_DASHBOARD_TOKEN) must be 16 to 256 characters "
      "from A-Z a-z 0-9 . _ ~ -; make one with `openssl rand -hex 24`");
}

std::string CookieValue(absl::string_view cookie_header, absl::string_view name) {
  for (absl::string_view part : absl::StrSplit(cookie_header, ';')) {
    part = absl::StripAsciiWhitespace(part);
    size_t eq = part.find('=');
    if (eq != absl::string_view::npos && part.substr(0, eq) == name) {
      return std::string(part.substr(eq + 1));
    }
  }
  return "";
}

std::optional<HttpResponse> AccessGuard::Check(const HttpRequest& request) const {
  if (token_.empty()) return std::nullopt;
  // A first visit with ?token=T: set the cookie and drop the token from the address.
  std::optional<std::string> query_token;
  std::vector<std::string> rest;
  for (const auto& [name, value] : request.query) {
    if (name == "token") {
      query_token = value;
    } else {
      rest.push_back(absl::StrCat(PercentEncode(name, false), "=", PercentEncode(value, false)));
    }
  }
  if (query_token.has_value() && ConstantTimeEquals(token_, *query_token)) {
    HttpResponse redirect;
    redirect.status = 303;
    std::string location = PercentEncode(request.path.empty() ? "/" : request.path, true);
    if (!rest.empty()) absl::StrAppend(&location, "?", absl::StrJoin(rest, "&"));
    redirect.headers.emplace_back("Location", location);
    redirect.headers.emplace_back(
        "Set-Cookie", absl::StrCat(kTokenCookie, "=", token_,
                                   "; Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000"));
    redirect.body = "token accepted\n";
    return redirect;
  }
  if (!query_token.has_value()) {
    std::string given = request.Header(kTokenHeader);
    if (given.empty()) {
      const std::string authorization = request.Header("authorization");
      absl::string_view bearer = authorization;
      if (absl::ConsumePrefix(&bearer, "Bearer ")) given = std::string(bearer);
    }
    if (given.empty()) given = CookieValue(request.Header("cookie"), kTokenCookie);
    if (!given.empty() && ConstantTimeEquals(token_, given)) return std::nullopt;
  }
  const std::string message =
      "this dashboard needs its access token: open it with ?token=TOKEN (the address the "
      "person who shared it gave you), or send the header X-Vlmlab-Token";
  if (absl::StartsWith(request.path, "/api/")) {
    return ErrorResponse(absl::UnauthenticatedError(message));
  }
  HttpResponse refused;
  refused.status = 401;
  refused.body = absl::StrCat(message, "\n");
  return refused;
}

}  // namespace vlmlab::dashboard
