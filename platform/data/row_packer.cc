#include "platform/data/row_packer.h"

#include <algorithm>

namespace vlmlab::data {

int64_t RowPacker::Place(int64_t length) {
  if (length > capacity_) return -1;
  for (size_t r = 0; r < used_.size(); ++r) {
    if (used_[r] + length <= capacity_) {
      used_[r] += length;
      return static_cast<int64_t>(r);
    }
  }
  if (static_cast<int64_t>(used_.size()) >= max_rows_) return -1;
  used_.push_back(length);
  return static_cast<int64_t>(used_.size()) - 1;
}

bool RowPacker::Full() const {
  return static_cast<int64_t>(used_.size()) >= max_rows_ &&
         std::all_of(used_.begin(), used_.end(), [&](int64_t u) { return u >= capacity_; });
}

}  // namespace vlmlab::data
