#include "platform/dashboard/query_params.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace vlmlab::dashboard {
namespace {

TEST(QueryParamsTest, ListsSplitCommasAndRepeatsWithoutDuplicates) {
  HttpRequest r = HttpRequest::Get("/api/x?runs=a,b,,a&runs=c");
  EXPECT_EQ(QueryParams(r).List("runs"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(QueryParams(r).List("keys").empty());
}

TEST(QueryParamsTest, IntsAreRangeChecked) {
  HttpRequest r = HttpRequest::Get("/api/x?limit=20&offset=-1&n=12abc");
  QueryParams p(r);
  EXPECT_EQ(*p.Int("limit", 5, 1, 100), 20);
  EXPECT_EQ(*p.Int("absent", 5, 1, 100), 5);
  EXPECT_EQ(p.Int("offset", 0, 0, 10).status().message(),
            "query parameter 'offset': expected an integer from 0 to 10, got '-1'");
  EXPECT_FALSE(p.Int("n", 0, 0, 100).ok());
}

TEST(QueryParamsTest, BoolsAndChoices) {
  HttpRequest r = HttpRequest::Get("/api/x?a=1&b=no&c=perhaps&f=csv");
  QueryParams p(r);
  EXPECT_TRUE(*p.Bool("a", false));
  EXPECT_FALSE(*p.Bool("b", true));
  EXPECT_TRUE(*p.Bool("absent", true));
  EXPECT_FALSE(p.Bool("c", false).ok());
  EXPECT_EQ(*p.Choice("f", {"json", "csv"}, "json"), "csv");
  EXPECT_EQ(*p.Choice("g", {"json", "csv"}, "json"), "json");
  EXPECT_EQ(p.Choice("c", {"json", "csv"}, "json").status().message(),
            "query parameter 'c': expected one of json, csv, got 'perhaps'");
}

TEST(QueryParamsTest, UnknownParametersAreNamed) {
  HttpRequest r = HttpRequest::Get("/api/runs?sweep=s&colour=red");
  QueryParams p(r);
  EXPECT_TRUE(p.OnlyKnown({"sweep", "colour"}).ok());
  absl::Status st = p.OnlyKnown({"sweep"});
  EXPECT_EQ(st.message(), "unknown query parameter 'colour' for /api/runs; it takes: sweep");
  EXPECT_TRUE(absl::StrContains(p.OnlyKnown({}).message(), "it takes none"));
}

TEST(QueryParamsTest, RequiredNeedsAValue) {
  HttpRequest r = HttpRequest::Get("/api/predictions?run=");
  EXPECT_EQ(QueryParams(r).Required("run").status().message(),
            "/api/predictions needs the query parameter 'run'");
}

}  // namespace
}  // namespace vlmlab::dashboard
