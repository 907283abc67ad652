// Differentiable functions written as compositions of the primitive ops (their gradients come
// from those ops' backward functions), for losses that need them.
//
//   absl::StatusOr<Tensor> ls = ops::LogSigmoid(x);       // stable for large |x|
//   absl::StatusOr<Tensor> u = ops::L2Normalize(e);       // [N, E] rows of unit length
#ifndef VLMLAB_PLATFORM_OPS_COMPOSITE_OPS_H_
#define VLMLAB_PLATFORM_OPS_COMPOSITE_OPS_H_

#include "absl/status/statusor.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::ops {

// log sigmoid(x) = min(x, 0) - log(1 + exp(-|x|)): finite for every finite x.
absl::StatusOr<Tensor> LogSigmoid(const Tensor& x);

// x / sqrt(sum(x^2 over the last axis) + eps): each row scaled to unit length.
absl::StatusOr<Tensor> L2Normalize(const Tensor& x, float eps = 1e-12f);

}  // namespace vlmlab::ops

#endif  // VLMLAB_PLATFORM_OPS_COMPOSITE_OPS_H_
