#include "platform/dashboard/http_server.h"

#include <chrono>
#include <filesystem>
#include <thread>

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
    server_ = std::make_unique<HttpServer>(dashboard_.get());
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
