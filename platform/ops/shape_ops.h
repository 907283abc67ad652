// Differentiable shape ops: reshape, transpose, permute, slice, concat, split, and the sum
// and mean reductions.
//
//   absl::StatusOr<Tensor> h = ops::Reshape(x, {B, T, H, D});       // [B, T, C] -> [B, T, H, D]
//   absl::StatusOr<Tensor> q = ops::Permute(h.value(), {0, 2, 1, 3}); // [B, H, T, D] (a view)
//   absl::StatusOr<Tensor> c = ops::Concat({a, b}, /*axis=*/1);
//   absl::StatusOr<Tensor> m = ops::Mean(x, {-1}, /*keepdim=*/true);
#ifndef VLMLAB_PLATFORM_OPS_SHAPE_OPS_H_
#define VLMLAB_PLATFORM_OPS_SHAPE_OPS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::ops {

// A view when x is contiguous, else a copy. One dimension may be -1 (inferred).
absl::StatusOr<Tensor> Reshape(const Tensor& x, const Shape& shape);
absl::StatusOr<Tensor> Transpose(const Tensor& x, int64_t a, int64_t b);             // a view
absl::StatusOr<Tensor> Permute(const Tensor& x, const std::vector<int64_t>& order);  // a view
// [start, end) along axis; a view.
absl::StatusOr<Tensor> Slice(const Tensor& x, int64_t axis, int64_t start, int64_t end);
absl::StatusOr<Tensor> Concat(const std::vector<Tensor>& xs, int64_t axis);
// Pieces of the given sizes along axis (they must add up to its size); views.
absl::StatusOr<std::vector<Tensor>> Split(const Tensor& x, const std::vector<int64_t>& sizes,
                                          int64_t axis);

// Sum or mean over `axes` (all axes when empty).
absl::StatusOr<Tensor> Sum(const Tensor& x, const std::vector<int64_t>& axes = {},
                           bool keepdim = false);
absl::StatusOr<Tensor> Mean(const Tensor& x, const std::vector<int64_t>& axes = {},
                            bool keepdim = false);

}  // namespace vlmlab::ops

#endif  // VLMLAB_PLATFORM_OPS_SHAPE_OPS_H_
