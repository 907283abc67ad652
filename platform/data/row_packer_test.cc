#include "platform/data/row_packer.h"

#include "gtest/gtest.h"

namespace vlmlab::data {
namespace {

TEST(RowPackerTest, FirstFitInArrivalOrder) {
  RowPacker p(/*max_rows=*/3, /*capacity=*/10);
  EXPECT_EQ(p.Place(6), 0);
  EXPECT_EQ(p.Place(7), 1);  // does not fit row 0: a new row
  EXPECT_EQ(p.Place(3), 0);  // the first row with room, not the emptiest
  EXPECT_EQ(p.Place(2), 1);
  EXPECT_EQ(p.Place(5), 2);
  EXPECT_EQ(p.Place(1), 0);  // row 0 is now exactly full
  EXPECT_EQ(p.Place(1), 1);
  EXPECT_EQ(p.used(), (std::vector<int64_t>{10, 10, 5}));
  EXPECT_FALSE(p.Full());
  EXPECT_EQ(p.Place(6), -1);  // fits no row and no row is left: the batch is full for it
  EXPECT_EQ(p.used(), (std::vector<int64_t>{10, 10, 5}));  // unchanged
  EXPECT_EQ(p.Place(5), 2);
  EXPECT_TRUE(p.Full());
  EXPECT_EQ(p.Place(1), -1);
}

TEST(RowPackerTest, NeverSplitsASampleLongerThanARow) {
  RowPacker p(2, 4);
  EXPECT_EQ(p.Place(5), -1);
  EXPECT_TRUE(p.used().empty());
  EXPECT_EQ(p.Place(4), 0);
  EXPECT_EQ(p.Place(4), 1);
  EXPECT_TRUE(p.Full());
}

}  // namespace
}  // namespace vlmlab::data
