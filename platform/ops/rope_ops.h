// Differentiable rotary position embedding (RoPE) on interleaved pairs, as in the PyTorch
// peer (shared/bench/torch_reference.py): pair i of the last axis, (x[..., 2i], x[..., 2i+1]),
// is rotated by the angle position * theta^(-2i / D).
//
//   // q: [B, H, T, D] (D even), positions: i32 [T] (or [B, T])  ->  [B, H, T, D]
//   Tensor pos = Tensor::FromInts({T}, {0, 1, 2, 3});
//   absl::StatusOr<Tensor> q_rot = ops::Rope(q, pos);            // theta = 10000
//   absl::StatusOr<Tensor> k_rot = ops::Rope(k, pos, 500000.0f);
//
// The gradient is the rotation by -angle; positions get none.
#ifndef VLMLAB_PLATFORM_OPS_ROPE_OPS_H_
#define VLMLAB_PLATFORM_OPS_ROPE_OPS_H_

#include "absl/status/statusor.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::ops {

absl::StatusOr<Tensor> Rope(const Tensor& x, const Tensor& positions, float theta = 10000.0f);

}  // namespace vlmlab::ops

#endif  // VLMLAB_PLATFORM_OPS_ROPE_OPS_H_
