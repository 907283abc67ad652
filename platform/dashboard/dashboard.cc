#include "platform/dashboard/dashboard.h"

#include <fstream>
#include <iterator>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "platform/dashboard/json_response.h"
#include "platform/dashboard/static_assets.h"

namespace vlmlab::dashboard {

bool IsLoopbackHost(absl::string_view host) {
  for (absl::string_view name : {"127.0.0.1", "localhost", "[::1]"}) {
    absl::string_view rest = host;
    if (!absl::ConsumePrefix(&rest, name)) continue;
    if (rest.empty()) return true;
    uint32_t port = 0;
    if (absl::ConsumePrefix(&rest, ":") && absl::SimpleAtoi(rest, &port) && port < 65536) {
      return true;
    }
  }
  return false;
}

Dashboard::Dashboard(store::Store* store, DashboardOptions options)
    : options_(std::move(options)),
      guard_(options_.token),
      images_(options_.image_root),
      api_(store, &images_) {}

HttpResponse Dashboard::Route(const HttpRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse refused = ErrorResponse(absl::InvalidArgumentError(absl::StrCat(
        "the dashboard is read-only: only GET and HEAD are served, not ", request.method)));
    refused.status = 405;
    refused.headers.emplace_back("Allow", "GET, HEAD");
    return refused;
  }
  if (options_.loopback_hosts_only) {
    const std::string host = request.Header("host");
    if (!host.empty() && !IsLoopbackHost(host)) {
      HttpResponse refused;
      refused.status = 403;
      refused.body =
          "this dashboard only answers to 127.0.0.1 or localhost; to share it, start `vlmlab "
          "serve` with --host and --token\n";
      return refused;
    }
  }
  if (std::optional<HttpResponse> refused = guard_.Check(request)) return *refused;
  if (absl::StartsWith(request.path, "/api/")) return api_.Handle(request);
  if (const StaticAsset* asset = FindAsset(request.path)) {
    HttpResponse response;
    response.content_type = ContentTypeFor(asset->path);
    response.body = std::string(asset->content);
    if (!options_.web_dir.empty()) {
      std::ifstream in(absl::StrCat(options_.web_dir, asset->path), std::ios::binary);
      if (in) response.body.assign(std::istreambuf_iterator<char>(in), {});
    }
    return response;
  }
  HttpResponse missing;
  missing.status = 404;
  missing.body = "not found; the dashboard is at /\n";
  return missing;
}

HttpResponse Dashboard::Handle(const HttpRequest& request) const {
  HttpResponse response = Route(request);
  const bool api = absl::StartsWith(request.path, "/api/");
  response.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  response.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  response.headers.emplace_back("Cross-Origin-Resource-Policy", "same-origin");
  response.headers.emplace_back("Cache-Control", api ? "no-store" : "no-cache");
  return response;
}

}  // namespace vlmlab::dashboard
