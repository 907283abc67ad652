// PostgreSQL engine pieces that need no server; store_test covers the rest against one.
#include "platform/store/postgres_connection.h"

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/store/store.h"

namespace vlmlab::store {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(NumberPlaceholdersTest, NumbersOnlyPlaceholdersOutsideQuotes) {
  EXPECT_EQ(NumberPlaceholders("SELECT 1"), "SELECT 1");
  EXPECT_EQ(NumberPlaceholders("a = ? AND b IN (?, ?)"), "a = $1 AND b IN ($2, $3)");
  EXPECT_EQ(NumberPlaceholders("x = '?' AND \"c?\" = ? AND y = 'it''s ?' OR z = ?"),
            "x = '?' AND \"c?\" = $1 AND y = 'it''s ?' OR z = $2");
}

TEST(PostgresConnectionTest, AnUnreachableServerIsAClearErrorWithoutThePassword) {
  // Port 1 on the loopback refuses at once.
  absl::StatusOr<std::unique_ptr<Store>> store =
      OpenStore("postgresql://ana:hunter2@127.0.0.1:1/results?connect_timeout=2");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable);
  const std::string message(store.status().message());
  EXPECT_THAT(message, HasSubstr("store postgresql://ana:***@127.0.0.1:1/results"));
  EXPECT_THAT(message, HasSubstr("cannot connect"));
  EXPECT_THAT(message, Not(HasSubstr("hunter2")));
}

}  // namespace
}  // namespace vlmlab::store
