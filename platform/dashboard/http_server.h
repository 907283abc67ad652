// Serves a Dashboard over HTTP with cpp-httplib (a thread pool; one request at a time per
// connection). Bind first (port 0 picks a free port), then Run blocks until Stop.
//
//   HttpServer server(&dashboard);
//   VLMLAB_RETURN_IF_ERROR(server.Bind("127.0.0.1", 8080));
//   std::cout << "listening on " << server.port() << "\n";
//   VLMLAB_RETURN_IF_ERROR(server.Run());
#ifndef VLMLAB_PLATFORM_DASHBOARD_HTTP_SERVER_H_
#define VLMLAB_PLATFORM_DASHBOARD_HTTP_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "platform/dashboard/dashboard.h"

namespace httplib {
class Server;
}

namespace vlmlab::dashboard {

// What one client may cost the server: a client that sends nothing for `read_timeout` is
// disconnected (so idle or slow connections cannot hold the worker threads), and a request body
// over `max_body_bytes` is refused with 413 without being read.
struct HttpServerLimits {
  int read_timeout_seconds = 5;
  int write_timeout_seconds = 5;
  size_t max_body_bytes = size_t{1} << 20;
};

class HttpServer {
 public:
  // `dashboard` is not owned and must outlive the server.
  explicit HttpServer(const Dashboard* dashboard, const HttpServerLimits& limits = {});
  ~HttpServer();

  // Unavailable when the address cannot be bound (in use, not an address of this machine).
  absl::Status Bind(const std::string& host, int port);
  int port() const { return port_; }
  // Serves until Stop(); Internal if listening fails.
  absl::Status Run();
  // True while Run is serving (wait for it before Stop when Run is on another thread).
  bool running() const;
  // From another thread: Run returns soon after. Does nothing before Run has started.
  void Stop();

 private:
  const Dashboard* dashboard_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
};

}  // namespace vlmlab::dashboard

#endif  // VLMLAB_PLATFORM_DASHBOARD_HTTP_SERVER_H_
