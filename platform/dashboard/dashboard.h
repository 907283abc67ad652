// The dashboard behind `vlmlab serve`: answers every HTTP request with the embedded front-end
// (static_assets.h) or the JSON API (json_api.h), after the access token check
// (access_token.h), and adds the security headers to every response: a Content-Security-Policy
// allowing only the dashboard's own scripts, styles and data: images, nosniff, no framing, no
// referrer. Only GET and HEAD are served; the store is only read.
//
//   DashboardOptions options;
//   options.token = "...";  // empty: no token
//   Dashboard dashboard(store.get(), options);
//   HttpResponse response = dashboard.Handle(HttpRequest::Get("/api/runs"));
#ifndef VLMLAB_PLATFORM_DASHBOARD_DASHBOARD_H_
#define VLMLAB_PLATFORM_DASHBOARD_DASHBOARD_H_

#include <string>

#include "platform/dashboard/access_token.h"
#include "platform/dashboard/http_message.h"
#include "platform/dashboard/image_files.h"
#include "platform/dashboard/json_api.h"
#include "platform/store/store.h"

namespace vlmlab::dashboard {

inline constexpr char kContentSecurityPolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

struct DashboardOptions {
  std::string token;       // required from every client when not empty
  std::string image_root;  // directory of predictions' relative image paths; empty: none
  // Refuse requests whose Host header is not a loopback name (127.0.0.1, localhost, [::1]):
  // stops a web page elsewhere from reading a local, tokenless dashboard through DNS
  // rebinding. `vlmlab serve` sets it when bound to loopback without a token.
  bool loopback_hosts_only = false;
  // For front-end development: read each embedded asset's current bytes from this directory
  // (a checkout's web/) instead, so edits show on reload without rebuilding. Only the paths
  // that are embedded are served. Empty: the embedded bytes.
  std::string web_dir;
};

class Dashboard {
 public:
  // `store` is not owned and must outlive the dashboard.
  Dashboard(store::Store* store, DashboardOptions options);

  // Thread-safe (the store serialises its own calls).
  HttpResponse Handle(const HttpRequest& request) const;

 private:
  HttpResponse Route(const HttpRequest& request) const;

  DashboardOptions options_;
  AccessGuard guard_;
  ImageRoot images_;
  mutable JsonApi api_;
};

// True for "127.0.0.1", "localhost", "[::1]", each with or without ":port".
bool IsLoopbackHost(absl::string_view host_header);

}  // namespace vlmlab::dashboard

#endif  // VLMLAB_PLATFORM_DASHBOARD_DASHBOARD_H_
