#include "platform/store/store_url.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vlmlab::store {
namespace {

using ::testing::HasSubstr;

TEST(StoreUrlTest, SqliteForms) {
  absl::StatusOr<StoreUrl> u = ParseStoreUrl("sqlite:runs/results");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->engine, StoreEngine::kSqlite);
  EXPECT_EQ(u->target, "runs/results");
  EXPECT_EQ(u->display, "sqlite:runs/results");
  for (const char* bare : {"runs/vlmlab.sqlite", "/abs/x.db", "y.sqlite3"}) {
    u = ParseStoreUrl(bare);
    ASSERT_TRUE(u.ok()) << bare;
    EXPECT_EQ(u->engine, StoreEngine::kSqlite);
    EXPECT_EQ(u->target, bare);
  }
}

TEST(StoreUrlTest, PostgresFormsHideThePassword) {
  absl::StatusOr<StoreUrl> u = ParseStoreUrl("postgresql://ana:s3cr:et@db.lab:5433/results?x=1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->engine, StoreEngine::kPostgres);
  EXPECT_EQ(u->target, "postgresql://ana:s3cr:et@db.lab:5433/results?x=1");
  EXPECT_EQ(u->display, "postgresql://ana:***@db.lab:5433/results?x=1");
  u = ParseStoreUrl("postgresql:///results?host=/tmp/s&password=hunter2&mypassword=x");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->display, "postgresql:///results?host=/tmp/s&password=***&mypassword=x");
  u = ParseStoreUrl("postgres://ana@db/results");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->engine, StoreEngine::kPostgres);
  EXPECT_EQ(u->display, "postgres://ana@db/results");
}

TEST(StoreUrlTest, RejectsWhatItDoesNotKnow) {
  for (const char* bad : {"mysql://x/y", "results.txt", "sqlite:", "", "http://h/a.db"}) {
    absl::StatusOr<StoreUrl> u = ParseStoreUrl(bad);
    ASSERT_FALSE(u.ok()) << bad;
    EXPECT_EQ(u.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(u.status().message()), HasSubstr("use sqlite:PATH"));
  }
}

}  // namespace
}  // namespace vlmlab::store
