// Kernel signatures of the optimizer's passes over every parameter at once: the squared
// global gradient norm and the AdamW update (one call per training step, not per tensor, so a
// backend can split the whole model's elements over its threads).
//
//   double sum_sq = 0;
//   SquaredNormKernels().Call(grads[0].device(), DType::kF32, grads, &sum_sq);
//   std::vector<AdamWParam> ps = ...;  // param, grad, exp_avg, exp_avg_sq (+ per-tensor terms)
//   AdamWKernels().Call(ps[0].param.device(), DType::kF32, ps, AdamWConstants{...});
//
// Both define their arithmetic exactly, so every backend gives the same bits whatever its
// thread count:
// - SquaredNorm: each tensor is cut into chunks of kSquaredNormChunk elements. Within a chunk,
//   lane u (of 8) adds, in double and in order, the squares of the elements whose index in the
//   chunk is u mod 8; the chunk's sum is lane 0 + lane 1 + ... + lane 7 (left to right); the
//   result adds the chunk sums of the first tensor, then the next, in order, to 0.
// - AdamW, per element in f32 (no fused multiply-add): g = grad * grad_scale;
//   m = beta1 m + one_minus_beta1 g; v = beta2 v + one_minus_beta2 g g;
//   p = p decay - step_size m / (sqrt(v) inv_sqrt_bc2 + eps).
#ifndef VLMLAB_KERNELS_API_OPTIMIZER_UPDATE_H_
#define VLMLAB_KERNELS_API_OPTIMIZER_UPDATE_H_

#include <cstdint>
#include <vector>

#include "kernels/api/kernel_table.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

inline constexpr int64_t kSquaredNormChunk = 16384;

// *sum_sq = sum over xs of x^2 (contiguous f32 tensors of any shapes, all on one device).
using SquaredNormKernel = absl::Status(const std::vector<Tensor>& xs, double* sum_sq);
KernelTable<SquaredNormKernel>& SquaredNormKernels();

// One parameter of an AdamW step: four contiguous f32 tensors of one shape, updated in place
// (param, exp_avg, exp_avg_sq), and the terms that depend on its group and update count.
struct AdamWParam {
  Tensor param, grad, exp_avg, exp_avg_sq;
  float decay = 1;         // 1 - lr * weight_decay
  float step_size = 0;     // lr / (1 - beta1^t)
  float inv_sqrt_bc2 = 1;  // 1 / sqrt(1 - beta2^t)
};

struct AdamWConstants {
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
  // 1 - beta rounded from double, as PyTorch passes it (1.0f - 0.9f is not the float 0.1f).
  float one_minus_beta1 = 0.1f, one_minus_beta2 = 0.001f;
  float grad_scale = 1;  // gradient clipping folded into the update (1: none)
};

using AdamWKernel = absl::Status(const std::vector<AdamWParam>& params, const AdamWConstants& c);
KernelTable<AdamWKernel>& AdamWKernels();

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_API_OPTIMIZER_UPDATE_H_
