#include "platform/dashboard/http_server.h"

#include <sys/socket.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "httplib.h"

namespace vlmlab::dashboard {
namespace {

HttpRequest FromHttplib(const httplib::Request& in) {
  HttpRequest out;
  out.method = in.method;
  out.path = in.path;  // httplib has percent-decoded it
  for (const auto& [name, value] : in.params) out.query.emplace_back(name, value);
  for (const auto& [name, value] : in.headers) {
    out.headers.emplace(absl::AsciiStrToLower(name), value);
  }
  return out;
}

}  // namespace

HttpServer::HttpServer(const Dashboard* dashboard, const HttpServerLimits& limits)
    : dashboard_(dashboard), server_(std::make_unique<httplib::Server>()) {
  server_->set_payload_max_length(limits.max_body_bytes);
  server_->set_read_timeout(limits.read_timeout_seconds, 0);
  server_->set_write_timeout(limits.write_timeout_seconds, 0);
  server_->set_keep_alive_timeout(limits.read_timeout_seconds);
  // httplib's default sets SO_REUSEPORT, which lets a second server bind the same port and
  // silently share its connections; SO_REUSEADDR alone still allows a quick restart.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server_->set_pre_routing_handler(
      [this](const httplib::Request& request, httplib::Response& response) {
        HttpResponse answer = dashboard_->Handle(FromHttplib(request));
        response.status = answer.status;
        for (const auto& [name, value] : answer.headers) response.set_header(name, value);
        response.set_content(answer.body, answer.content_type);
        return httplib::Server::HandlerResponse::Handled;
      });
}

HttpServer::~HttpServer() { Stop(); }

absl::Status HttpServer::Bind(const std::string& host, int port) {
  if (port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("--port ", port, " is not 0..65535"));
  }
  if (port == 0) {
    port_ = server_->bind_to_any_port(host);
    if (port_ > 0) return absl::OkStatus();
  } else if (server_->bind_to_port(host, port)) {
    port_ = port;
    return absl::OkStatus();
  }
  return absl::UnavailableError(absl::StrCat(
      "cannot listen on ", host, ":", port,
      ": the port is in use or the host is not an address of this machine; choose another "
      "--port, or --host 0.0.0.0 for every interface"));
}

absl::Status HttpServer::Run() {
  if (!server_->listen_after_bind()) {
    return absl::InternalError("the dashboard's HTTP server stopped with an error");
  }
  return absl::OkStatus();
}

bool HttpServer::running() const { return server_->is_running(); }

void HttpServer::Stop() {
  if (server_ != nullptr) server_->stop();
}

}  // namespace vlmlab::dashboard
