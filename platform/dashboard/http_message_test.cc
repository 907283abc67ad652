#include "platform/dashboard/http_message.h"

#include "gtest/gtest.h"

namespace vlmlab::dashboard {
namespace {

TEST(PercentDecodeTest, DecodesEscapesAndPlus) {
  std::string out;
  EXPECT_TRUE(PercentDecode("a%20b+c%2Fd", true, &out));
  EXPECT_EQ(out, "a b c/d");
  EXPECT_TRUE(PercentDecode("a+b", false, &out));
  EXPECT_EQ(out, "a+b");
  EXPECT_FALSE(PercentDecode("bad%2", true, &out));
  EXPECT_FALSE(PercentDecode("bad%zz", true, &out));
  EXPECT_FALSE(PercentDecode("%", true, &out));
}

TEST(HttpRequestTest, GetSplitsPathAndQuery) {
  HttpRequest r = HttpRequest::Get("/api/runs/a%2Fb?x=1&y=&z&x=%3Cs%3E");
  EXPECT_EQ(r.path, "/api/runs/a/b");
  ASSERT_EQ(r.query.size(), 4u);
  EXPECT_EQ(r.query[0], (std::pair<std::string, std::string>{"x", "1"}));
  EXPECT_EQ(r.query[1], (std::pair<std::string, std::string>{"y", ""}));
  EXPECT_EQ(r.query[2], (std::pair<std::string, std::string>{"z", ""}));
  EXPECT_EQ(r.query[3], (std::pair<std::string, std::string>{"x", "<s>"}));
}

TEST(HttpResponseTest, HeaderIsCaseInsensitive) {
  HttpResponse r;
  r.headers = {{"Content-Disposition", "attachment"}};
  EXPECT_EQ(r.Header("content-disposition"), "attachment");
  EXPECT_EQ(r.Header("Location"), "");
}

}  // namespace
}  // namespace vlmlab::dashboard
