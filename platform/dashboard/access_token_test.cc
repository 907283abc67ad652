#include "platform/dashboard/access_token.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace vlmlab::dashboard {
namespace {

constexpr char kToken[] = "0123456789abcdef-TOKEN";

HttpRequest WithHeader(const std::string& target, const std::string& name,
                       const std::string& value) {
  HttpRequest r = HttpRequest::Get(target);
  r.headers[name] = value;
  return r;
}

TEST(ConstantTimeEqualsTest, ComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcabc"));  // a repeat of it is not it
  EXPECT_FALSE(ConstantTimeEquals("abc", ""));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

TEST(CheckTokenSyntaxTest, WantsLongUrlSafeTokens) {
  EXPECT_TRUE(CheckTokenSyntax(kToken).ok());
  EXPECT_FALSE(CheckTokenSyntax("short").ok());
  EXPECT_FALSE(CheckTokenSyntax("0123456789abcdef;x").ok());
  EXPECT_FALSE(CheckTokenSyntax("0123456789 abcdef").ok());
  EXPECT_TRUE(absl::StrContains(CheckTokenSyntax("x").message(), "openssl rand"));
}

TEST(CookieValueTest, FindsTheNamedCookie) {
  EXPECT_EQ(CookieValue("a=1; vlmlab_token=xyz; b=2", "vlmlab_token"), "xyz");
  EXPECT_EQ(CookieValue("vlmlab_token_old=1", "vlmlab_token"), "");
  EXPECT_EQ(CookieValue("", "vlmlab_token"), "");
}

TEST(AccessGuardTest, WithoutATokenEverythingPasses) {
  AccessGuard guard("");
  EXPECT_FALSE(guard.Check(HttpRequest::Get("/api/runs")).has_value());
}

TEST(AccessGuardTest, RefusesMissingOrWrongTokens) {
  AccessGuard guard(kToken);
  std::optional<HttpResponse> api = guard.Check(HttpRequest::Get("/api/runs"));
  ASSERT_TRUE(api.has_value());
  EXPECT_EQ(api->status, 401);
  EXPECT_EQ(api->content_type, "application/json; charset=utf-8");
  EXPECT_TRUE(absl::StrContains(api->body, "?token=TOKEN"));
  std::optional<HttpResponse> page = guard.Check(HttpRequest::Get("/"));
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->status, 401);
  EXPECT_EQ(page->content_type, "text/plain; charset=utf-8");
  EXPECT_TRUE(guard.Check(WithHeader("/api/runs", "x-vlmlab-token", "wrong")).has_value());
  EXPECT_TRUE(guard.Check(WithHeader("/api/runs", "cookie", "vlmlab_token=wrong")).has_value());
  EXPECT_TRUE(guard.Check(HttpRequest::Get("/?token=wrong")).has_value());
  // The token's prefix is not the token.
  EXPECT_TRUE(guard.Check(WithHeader("/", "x-vlmlab-token", "0123456789abcdef")).has_value());
}

TEST(AccessGuardTest, AcceptsHeaderBearerAndCookie) {
  AccessGuard guard(kToken);
  EXPECT_FALSE(guard.Check(WithHeader("/api/runs", "x-vlmlab-token", kToken)).has_value());
  EXPECT_FALSE(
      guard.Check(WithHeader("/api/runs", "authorization", std::string("Bearer ") + kToken))
          .has_value());
  EXPECT_FALSE(guard.Check(WithHeader("/", "cookie", std::string("x=1; vlmlab_token=") + kToken))
                   .has_value());
}

TEST(AccessGuardTest, QueryTokenSetsTheCookieAndRedirectsWithoutIt) {
  AccessGuard guard(kToken);
  std::optional<HttpResponse> r =
      guard.Check(HttpRequest::Get(std::string("/js/app.js?a=1%202&token=") + kToken));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 303);
  EXPECT_EQ(r->Header("Location"), "/js/app.js?a=1%202");
  EXPECT_EQ(r->Header("Set-Cookie"), std::string("vlmlab_token=") + kToken +
                                         "; Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000");
  std::optional<HttpResponse> root =
      guard.Check(HttpRequest::Get(std::string("/?token=") + kToken));
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->Header("location"), "/");
}

}  // namespace
}  // namespace vlmlab::dashboard
