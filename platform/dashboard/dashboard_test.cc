#include "platform/dashboard/dashboard.h"

#include <filesystem>
#include <fstream>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "platform/dashboard/dashboard_testing.h"
#include "platform/dashboard/static_assets.h"
#include "platform/store/store.h"

namespace vlmlab::dashboard {
namespace {

class DashboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir =
        absl::StrCat(::testing::TempDir(), "/dashboard_test_",
                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    auto db = store::OpenStore(absl::StrCat("sqlite:", dir, "/store.sqlite"));
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    ASSERT_TRUE(testing::FillExampleStore(db_.get()).ok());
  }

  void ExpectSecurityHeaders(const HttpResponse& r) {
    EXPECT_EQ(r.Header("Content-Security-Policy"), kContentSecurityPolicy);
    EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(r.Header("X-Frame-Options"), "DENY");
    EXPECT_EQ(r.Header("Referrer-Policy"), "no-referrer");
  }

  std::unique_ptr<store::Store> db_;
};

TEST_F(DashboardTest, ServesTheEmbeddedFrontEnd) {
  Dashboard dashboard(db_.get(), {});
  HttpResponse index = dashboard.Handle(HttpRequest::Get("/"));
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_TRUE(absl::StrContains(index.body, "<script type=\"module\" src=\"/js/app.js\">"));
  EXPECT_EQ(index.Header("Cache-Control"), "no-cache");
  ExpectSecurityHeaders(index);
  HttpResponse app = dashboard.Handle(HttpRequest::Get("/js/app.js"));
  EXPECT_EQ(app.status, 200);
  EXPECT_EQ(app.content_type, "text/javascript; charset=utf-8");
  HttpResponse chart = dashboard.Handle(HttpRequest::Get("/vendor/uPlot.iife.min.js"));
  EXPECT_EQ(chart.status, 200);
  EXPECT_TRUE(absl::StrContains(chart.body, "uPlot"));
  EXPECT_EQ(dashboard.Handle(HttpRequest::Get("/vendor/uPlot.min.css")).content_type,
            "text/css; charset=utf-8");
  HttpResponse missing = dashboard.Handle(HttpRequest::Get("/nothing.js"));
  EXPECT_EQ(missing.status, 404);
  ExpectSecurityHeaders(missing);
}

TEST_F(DashboardTest, FrontEndNeverWritesMarkupFromData) {
  // Every string from the store goes in as text (web/js/dom.js); nothing loads from outside.
  for (const StaticAsset& asset : EmbeddedAssets()) {
    if (absl::StartsWith(asset.path, "/vendor/")) continue;
    EXPECT_FALSE(absl::StrContains(asset.content, "innerHTML")) << asset.path;
    EXPECT_FALSE(absl::StrContains(asset.content, "outerHTML")) << asset.path;
    EXPECT_FALSE(absl::StrContains(asset.content, "insertAdjacentHTML")) << asset.path;
    EXPECT_FALSE(absl::StrContains(asset.content, "document.write")) << asset.path;
    // The SVG namespace name (web/js/chart_export.js) identifies XML vocabulary; it loads
    // nothing, so it is the one absolute URL allowed.
    const std::string content =
        absl::StrReplaceAll(asset.content, {{"\"http://www.w3.org/2000/svg\"", "\"\""}});
    EXPECT_FALSE(absl::StrContains(content, "http://")) << asset.path;
    EXPECT_FALSE(absl::StrContains(content, "https://")) << asset.path;
  }
  EXPECT_NE(FindAsset("/vendor/uPlot.LICENSE"), nullptr);
}

TEST_F(DashboardTest, ApiResponsesAreJsonWithSecurityHeaders) {
  Dashboard dashboard(db_.get(), {});
  HttpResponse runs = dashboard.Handle(HttpRequest::Get("/api/runs"));
  EXPECT_EQ(runs.status, 200);
  EXPECT_EQ(runs.content_type, "application/json; charset=utf-8");
  EXPECT_EQ(runs.Header("Cache-Control"), "no-store");
  ExpectSecurityHeaders(runs);
  HttpResponse bad = dashboard.Handle(HttpRequest::Get("/api/runs?limit=3"));
  EXPECT_EQ(bad.status, 400);
  ExpectSecurityHeaders(bad);
}

TEST_F(DashboardTest, OnlyReads) {
  Dashboard dashboard(db_.get(), {});
  HttpRequest post = HttpRequest::Get("/api/runs");
  post.method = "POST";
  HttpResponse r = dashboard.Handle(post);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("Allow"), "GET, HEAD");
  ExpectSecurityHeaders(r);
}

TEST_F(DashboardTest, TokenGuardsPagesAndApi) {
  DashboardOptions options;
  options.token = "abcdefghijklmnop";
  Dashboard dashboard(db_.get(), options);
  EXPECT_EQ(dashboard.Handle(HttpRequest::Get("/")).status, 401);
  EXPECT_EQ(dashboard.Handle(HttpRequest::Get("/api/runs")).status, 401);
  HttpResponse first = dashboard.Handle(HttpRequest::Get("/?token=abcdefghijklmnop"));
  EXPECT_EQ(first.status, 303);
  ExpectSecurityHeaders(first);
  HttpRequest with_cookie = HttpRequest::Get("/api/runs");
  with_cookie.headers["cookie"] = "vlmlab_token=abcdefghijklmnop";
  EXPECT_EQ(dashboard.Handle(with_cookie).status, 200);
}

TEST_F(DashboardTest, WebDirOverridesEmbeddedAssetsOnly) {
  const std::filesystem::path web = std::filesystem::path(::testing::TempDir()) / "web_dir";
  std::filesystem::create_directories(web / "js");
  std::ofstream(web / "js/app.js") << "// edited";
  std::ofstream(web / "secret.txt") << "not embedded";
  DashboardOptions options;
  options.web_dir = web.string();
  Dashboard dashboard(db_.get(), options);
  EXPECT_EQ(dashboard.Handle(HttpRequest::Get("/js/app.js")).body, "// edited");
  EXPECT_EQ(dashboard.Handle(HttpRequest::Get("/secret.txt")).status, 404);
  // Files missing from the directory fall back to the embedded bytes.
  EXPECT_TRUE(absl::StrContains(dashboard.Handle(HttpRequest::Get("/")).body, "<title>"));
}

TEST_F(DashboardTest, LoopbackOnlyRefusesOtherHostNames) {
  DashboardOptions options;
  options.loopback_hosts_only = true;
  Dashboard dashboard(db_.get(), options);
  HttpRequest r = HttpRequest::Get("/api/runs");
  r.headers["host"] = "evil.example:8080";
  EXPECT_EQ(dashboard.Handle(r).status, 403);
  for (const char* host : {"127.0.0.1:8080", "localhost:1", "localhost", "[::1]:80"}) {
    r.headers["host"] = host;
    EXPECT_EQ(dashboard.Handle(r).status, 200) << host;
  }
  EXPECT_FALSE(IsLoopbackHost("localhost.evil.example"));
  EXPECT_FALSE(IsLoopbackHost("127.0.0.1.nip.io:80"));
}

}  // namespace
}  // namespace vlmlab::dashboard
