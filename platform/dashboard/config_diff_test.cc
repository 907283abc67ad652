#include "platform/dashboard/config_diff.h"

#include "gtest/gtest.h"

namespace vlmlab::dashboard {
namespace {

TEST(DiffRunFieldsTest, MarksDifferencesAndAbsentValues) {
  std::vector<store::RunField> fields = {
      {"a", "lr", "0.1"},  {"b", "lr", "0.1"}, {"c", "lr", "0.2"},
      {"a", "seed", "0"},  {"b", "seed", "0"}, {"c", "seed", "0"},
      {"b", "extra", "x"}, {"z", "lr", "9"},  // z is not compared
  };
  std::vector<FieldDiffRow> rows = DiffRunFields({"a", "b", "c"}, fields, false);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].path, "extra");
  EXPECT_EQ(rows[0].values,
            (std::vector<std::optional<std::string>>{std::nullopt, "x", std::nullopt}));
  EXPECT_EQ(rows[1].path, "lr");
  EXPECT_EQ(rows[1].values, (std::vector<std::optional<std::string>>{"0.1", "0.1", "0.2"}));
  std::vector<FieldDiffRow> all = DiffRunFields({"a", "b", "c"}, fields, true);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].path, "seed");
  EXPECT_FALSE(all[2].differs);
  EXPECT_TRUE(all[1].differs);
}

}  // namespace
}  // namespace vlmlab::dashboard
