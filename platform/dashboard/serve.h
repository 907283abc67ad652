// `vlmlab serve`: opens the results store and serves the dashboard until the process is
// stopped. Prints the address to open (with ?token= when a token is set) on stdout.
//
//   ServeConfig config;
//   config.store_url = "runs/vlmlab.sqlite";
//   config.port = 8080;
//   absl::Status served = ServeDashboard(config);  // blocks
#ifndef VLMLAB_PLATFORM_DASHBOARD_SERVE_H_
#define VLMLAB_PLATFORM_DASHBOARD_SERVE_H_

#include <string>

#include "absl/status/status.h"

namespace vlmlab::dashboard {

struct ServeConfig {
  std::string store_url = "runs/vlmlab.sqlite";
  std::string host = "127.0.0.1";  // 0.0.0.0 or a machine address to share
  int port = 8080;                 // 0: any free port (printed)
  std::string token;               // empty: no token
  std::string image_root;          // predictions' relative image paths; empty: none
  std::string web_dir;             // DashboardOptions::web_dir (development); empty: none
  // Serve beyond loopback without a token (anyone who reaches the port reads the store);
  // without it that is refused.
  bool insecure_no_token = false;
};

// InvalidArgument for a bad token, or for a host beyond loopback without a token (unless
// insecure_no_token); NotFound for a missing SQLite file (the dashboard never
// creates a store); the store's error when it cannot be opened; Unavailable when the port
// cannot be bound. Otherwise serves forever.
absl::Status ServeDashboard(const ServeConfig& config);

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackAddress(const std::string& host);

}  // namespace vlmlab::dashboard

#endif  // VLMLAB_PLATFORM_DASHBOARD_SERVE_H_
