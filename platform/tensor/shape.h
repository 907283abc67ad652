// Tensor shapes: element counts, contiguous strides, printing and broadcasting.
//
//   Shape s = {2, 3, 4};
//   NumElements(s) == 24;  ContiguousStrides(s) == {12, 4, 1};  ShapeString(s) == "[2, 3, 4]"
//   absl::StatusOr<Shape> b = BroadcastShapes({4, 1, 3}, {5, 3});   // [4, 5, 3]
#ifndef VLMLAB_PLATFORM_TENSOR_SHAPE_H_
#define VLMLAB_PLATFORM_TENSOR_SHAPE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace vlmlab {

using Shape = std::vector<int64_t>;

int64_t NumElements(const Shape& shape);
std::vector<int64_t> ContiguousStrides(const Shape& shape);
std::string ShapeString(const Shape& shape);
// The row-major multi-index of flat position `flat` in `shape`, as "[1, 2]" (for messages).
std::string IndexString(const Shape& shape, int64_t flat);

// NumPy broadcasting of two shapes, or an error naming both.
absl::StatusOr<Shape> BroadcastShapes(const Shape& a, const Shape& b);

// Normalises a possibly negative axis for a tensor of `rank` dimensions.
absl::StatusOr<int> NormalizeAxis(int64_t axis, int64_t rank);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_TENSOR_SHAPE_H_
