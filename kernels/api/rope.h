// Kernel signature of rotary position embedding on interleaved pairs.
//
//   x: [B, H, T, D] (D even)   positions: i32 [T] or [B, T]   y: like x
//   angle(b, t, i) = positions[b, t] * theta^(-2i / D)   for pair i = 0 .. D/2 - 1
//   y[..., 2i]     = x[..., 2i] cos(angle) - x[..., 2i+1] sin(angle)
//   y[..., 2i + 1] = x[..., 2i] sin(angle) + x[..., 2i+1] cos(angle)
//   inverse = true rotates by -angle (the backward: rotations are orthogonal).
//
//   absl::Status s = RopeKernels().Call(x.device(), x.dtype(), x, positions, 10000.0f,
//                                       /*inverse=*/false, &y);
//
// Contracts: x, positions, y contiguous and on one device; x and y share a dtype.
#ifndef VLMLAB_KERNELS_API_ROPE_H_
#define VLMLAB_KERNELS_API_ROPE_H_

#include "kernels/api/kernel_table.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

using RopeKernel = absl::Status(const Tensor& x, const Tensor& positions, float theta, bool inverse,
                                Tensor* y);
KernelTable<RopeKernel>& RopeKernels();

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_API_ROPE_H_
