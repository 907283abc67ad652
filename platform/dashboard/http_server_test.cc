#include "platform/dashboard/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "platform/dashboard/dashboard_testing.h"
#include "platform/store/store.h"

namespace vlmlab::dashboard {
namespace {

constexpr char kToken[] = "test-token-0123456789";

// A real server on a free loopback port, with a token.
class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir = absl::StrCat(::testing::TempDir(), "/http_server_test");
    std::filesystem::remove_all(dir);
    auto db = store::OpenStore(absl::StrCat("sqlite:", dir, "/store.sqlite"));
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    ASSERT_TRUE(testing::FillExampleStore(db_.get()).ok());
    DashboardOptions options;
    options.token = kToken;
    dashboard_ = std::make_unique<Dashboard>(db_.get(), options);
    HttpServerLimits limits;
    limits.read_timeout_seconds = 1;  // short, so the slow-client tests finish quickly
    server_ = std::make_unique<HttpServer>(dashboard_.get(), limits);
    ASSERT_TRUE(server_->Bind("127.0.0.1", 0).ok());
    ASSERT_GT(server_->port(), 0);
    thread_ = std::thread([this] { EXPECT_TRUE(server_->Run().ok()); });
    for (int i = 0; i < 500 && !server_->running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(server_->running());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_connection_timeout(5);
    client_->set_read_timeout(5);
  }

  void TearDown() override {
    if (thread_.joinable()) {
      server_->Stop();
      thread_.join();
    }
  }

  std::unique_ptr<store::Store> db_;
  std::unique_ptr<Dashboard> dashboard_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpServerTest, RefusesRequestsWithoutTheToken) {
  httplib::Result r = client_->Get("/api/runs");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json; charset=utf-8");
  EXPECT_TRUE(
      absl::StrContains(r->get_header_value("Content-Security-Policy"), "default-src 'none'"));
}

TEST_F(HttpServerTest, ServesJsonWithTheTokenHeader) {
  httplib::Result r = client_->Get("/api/runs?sweep=sweep-1", {{"X-Vlmlab-Token", kToken}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_TRUE(absl::StrContains(r->body, "\"id\":\"mlp-s0\""));
  EXPECT_FALSE(absl::StrContains(r->body, "<script>"));
}

TEST_F(HttpServerTest, FirstVisitWithTokenSetsACookie) {
  httplib::Result r = client_->Get(absl::StrCat("/?token=", kToken));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 303);
  EXPECT_EQ(r->get_header_value("Location"), "/");
  const std::string cookie = r->get_header_value("Set-Cookie");
  EXPECT_TRUE(absl::StartsWith(cookie, absl::StrCat("vlmlab_token=", kToken, ";"))) << cookie;
  EXPECT_TRUE(absl::StrContains(cookie, "HttpOnly"));
  httplib::Result page = client_->Get("/", {{"Cookie", absl::StrCat("vlmlab_token=", kToken)}});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
}

TEST_F(HttpServerTest, EncodedPathsAndBadParameters) {
  httplib::Headers auth = {{"X-Vlmlab-Token", kToken}};
  httplib::Result run = client_->Get("/api/runs/mlp%2Ds0", auth);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, 200);
  httplib::Result bad = client_->Get("/api/predictions?run=mlp-s0&evaluator=vqa&limit=x", auth);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_TRUE(absl::StrContains(bad->body, "'limit'"));
  httplib::Result post = client_->Post("/api/runs", auth, "{}", "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
}

// A raw TCP connection to the server, for clients no library would write.
int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  timeval tv{10, 0};  // the test's own bound on every read
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

void SendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may close first: that is what some tests expect
    sent += n;
  }
}

// Everything the server sends until it closes the connection (or 10 s pass).
std::string ReadUntilClosed(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, n);
  }
  return out;
}

TEST_F(HttpServerTest, SlowClientIsDisconnectedAfterTheReadTimeout) {
  const int fd = Connect(server_->port());
  ASSERT_GE(fd, 0);
  SendAll(fd, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");  // never finishes its headers
  const auto start = std::chrono::steady_clock::now();
  ReadUntilClosed(fd);
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  close(fd);
  EXPECT_LT(waited, 5.0) << "a silent client held its connection for " << waited << " s";
}

TEST_F(HttpServerTest, IdleConnectionsCannotStarveOtherClients) {
  // Twice as many idle connections as worker threads (8): each is dropped after the 1 s read
  // timeout, so a real request waits about two timeouts, not forever.
  std::vector<int> idle;
  for (int i = 0; i < 16; ++i) idle.push_back(Connect(server_->port()));
  const auto start = std::chrono::steady_clock::now();
  httplib::Result r = client_->Get("/api/runs", {{"Authorization", absl::StrCat("Bearer ", kToken)}});
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (int fd : idle) {
    if (fd >= 0) close(fd);
  }
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_LT(waited, 8.0);
}

TEST_F(HttpServerTest, OversizedBodiesAndHeadersAreRefused) {
  // A request declaring a 64 MiB body is answered from its headers (here 405: the API takes no
  // POST) without the server waiting for, or buffering, the body.
  int fd = Connect(server_->port());
  ASSERT_GE(fd, 0);
  SendAll(fd, absl::StrCat("POST /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ",
                           64 << 20, "\r\nConnection: close\r\n\r\n"));
  std::string reply = ReadUntilClosed(fd);
  close(fd);
  EXPECT_TRUE(absl::StartsWith(reply, "HTTP/1.1 4")) << reply.substr(0, 80);
  // A 64 KiB request target is refused (the limit is 8 KiB) without a crash.
  fd = Connect(server_->port());
  ASSERT_GE(fd, 0);
  SendAll(fd, absl::StrCat("GET /", std::string(64 << 10, 'a'),
                           " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  reply = ReadUntilClosed(fd);
  close(fd);
  EXPECT_FALSE(absl::StartsWith(reply, "HTTP/1.1 200")) << reply.substr(0, 80);
  // The server still answers.
  httplib::Result r = client_->Get("/api/runs", {{"Authorization", absl::StrCat("Bearer ", kToken)}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(HttpServerBindTest, PortInUseIsUnavailable) {
  Dashboard dashboard(nullptr, {});
  HttpServer first(&dashboard);
  ASSERT_TRUE(first.Bind("127.0.0.1", 0).ok());
  HttpServer second(&dashboard);
  absl::Status st = second.Bind("127.0.0.1", first.port());
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(st.message(), "--port")) << st;
}

}  // namespace
}  // namespace vlmlab::dashboard
