// RowPacker: the packing policy of the data loader. Greedy first-fit of samples, in the order
// they come, into at most `max_rows` rows of `capacity` tokens each: a sample goes to the first
// row with room for all of it (samples are never split), else to a new row; when no row can
// take it and no new row may be opened, the batch is full and the sample waits for the next.
//
//   RowPacker packer(/*max_rows=*/2, /*capacity=*/10);
//   packer.Place(6);   // 0: row 0 holds 6
//   packer.Place(7);   // 1: a new row
//   packer.Place(3);   // 0: first fit, row 0 holds 9
//   packer.Place(4);   // -1: fits no row; the caller starts the next batch with it
#ifndef VLMLAB_PLATFORM_DATA_ROW_PACKER_H_
#define VLMLAB_PLATFORM_DATA_ROW_PACKER_H_

#include <cstdint>
#include <vector>

namespace vlmlab::data {

class RowPacker {
 public:
  RowPacker(int64_t max_rows, int64_t capacity) : max_rows_(max_rows), capacity_(capacity) {}

  // Places a sample of `length` tokens and returns its row, or -1 (nothing changes) when it
  // fits nowhere: longer than the capacity, or every open row too full and no row left.
  int64_t Place(int64_t length);
  // Every row is open and filled to the capacity: no sample can be placed any more.
  bool Full() const;
  // Tokens in each open row.
  const std::vector<int64_t>& used() const { return used_; }

 private:
  int64_t max_rows_, capacity_;
  std::vector<int64_t> used_;
};

}  // namespace vlmlab::data

#endif  // VLMLAB_PLATFORM_DATA_ROW_PACKER_H_
