#include "platform/store/sql_connection.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace vlmlab::store {
namespace {

TEST(SqlRowTest, ConvertsTextCellsAsPostgresReturnsThem) {
  SqlRow row({std::string("42"), std::string("0.1"), std::string("Infinity"),
              std::string("-Infinity"), std::string("NaN"), SqlNull(), std::string("x")});
  EXPECT_EQ(*row.Int(0), 42);
  EXPECT_EQ(*row.Double(1), 0.1);
  EXPECT_EQ(*row.Double(2), std::numeric_limits<double>::infinity());
  EXPECT_EQ(*row.Double(3), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(*row.Double(4)));
  EXPECT_TRUE(std::isnan(*row.Double(5)));  // NULL reads as NaN
  EXPECT_EQ(*row.OptionalInt(5), std::nullopt);
  EXPECT_EQ(*row.OptionalText(0), "42");
  EXPECT_EQ(row.Int(6).status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(row.Text(5).status().code(), absl::StatusCode::kInternal);
}

TEST(SqlRowTest, ConvertsNativeCellsAsSqliteReturnsThem) {
  SqlRow row({SqlValue(int64_t{-7}), SqlValue(2.0), SqlValue(2.5)});
  EXPECT_EQ(*row.Int(0), -7);
  EXPECT_EQ(*row.Double(0), -7.0);
  EXPECT_EQ(*row.Int(1), 2);
  EXPECT_FALSE(row.Int(2).ok());
  EXPECT_EQ(*row.Text(0), "-7");
}

}  // namespace
}  // namespace vlmlab::store
