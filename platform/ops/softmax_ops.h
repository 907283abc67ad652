// Differentiable softmax and log-softmax over the last axis (numerically stable: the row
// maximum is subtracted first; the backward uses the saved output).
//
//   // logits: [B, T, V]  ->  [B, T, V], rows summing to 1
//   absl::StatusOr<Tensor> p = ops::Softmax(logits);
//   absl::StatusOr<Tensor> logp = ops::LogSoftmax(logits);
//
// Errors name the op and the shape (e.g. "softmax: input f32[] cpu: needs at least one axis").
#ifndef VLMLAB_PLATFORM_OPS_SOFTMAX_OPS_H_
#define VLMLAB_PLATFORM_OPS_SOFTMAX_OPS_H_

#include "absl/status/statusor.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::ops {

absl::StatusOr<Tensor> Softmax(const Tensor& x);
absl::StatusOr<Tensor> LogSoftmax(const Tensor& x);

}  // namespace vlmlab::ops

#endif  // VLMLAB_PLATFORM_OPS_SOFTMAX_OPS_H_
