// The dashboard's HTTP request and response, independent of the HTTP library, so that every
// handler is a plain function tested without sockets (http_server.h adapts cpp-httplib).
//
//   HttpRequest request = HttpRequest::Get("/api/runs?sweep=abc");
//   HttpResponse response = dashboard.Handle(request);
//   if (response.status == 200) Use(response.body);
#ifndef VLMLAB_PLATFORM_DASHBOARD_HTTP_MESSAGE_H_
#define VLMLAB_PLATFORM_DASHBOARD_HTTP_MESSAGE_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace vlmlab::dashboard {

struct HttpRequest {
  std::string method = "GET";
  std::string path;  // decoded, without the query string: "/api/runs/abc-s0"
  // Decoded query parameters in order; a name may repeat.
  std::vector<std::pair<std::string, std::string>> query;
  // Header names in lower case.
  std::map<std::string, std::string> headers;

  // "/api/runs?sweep=a%20b" -> path "/api/runs", query {("sweep", "a b")}.
  static HttpRequest Get(absl::string_view target);
  // The header's value, or "" when absent (`name` in lower case).
  std::string Header(absl::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // Extra headers, e.g. Content-Disposition, Set-Cookie, Location, security headers.
  std::vector<std::pair<std::string, std::string>> headers;

  // The first header of that name (case-insensitive), or "".
  std::string Header(absl::string_view name) const;
};

// Percent-decoding of a URL component ('+' is a space in query strings); false when an escape
// is malformed.
bool PercentDecode(absl::string_view in, bool plus_is_space, std::string* out);

}  // namespace vlmlab::dashboard

#endif  // VLMLAB_PLATFORM_DASHBOARD_HTTP_MESSAGE_H_
