// Differentiable layer norm and RMS norm over the last axis, each with one fused backward
// kernel giving the gradients of x, weight and bias (only those that are needed).
//
//   // x: [B, T, C]; weight, bias: [C] (optional: pass Tensor())  ->  [B, T, C]
//   absl::StatusOr<Tensor> h = ops::LayerNorm(x, gamma, beta, /*eps=*/1e-5f);
//   absl::StatusOr<Tensor> r = ops::RmsNorm(x, gamma, /*eps=*/1e-6f);
//
// Errors name the op and the shapes, e.g.
// "layer_norm: input [2, 5] and weight [4]: weight must have the last dimension 5 (shape [5])".
#ifndef VLMLAB_PLATFORM_OPS_NORMALIZATION_OPS_H_
#define VLMLAB_PLATFORM_OPS_NORMALIZATION_OPS_H_

#include "absl/status/statusor.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::ops {

// (x - mean) / sqrt(var + eps) * weight + bias, with the biased variance of each row.
absl::StatusOr<Tensor> LayerNorm(const Tensor& x, const Tensor& weight = Tensor(),
                                 const Tensor& bias = Tensor(), float eps = 1e-5f);

// x / sqrt(mean(x^2) + eps) * weight.
absl::StatusOr<Tensor> RmsNorm(const Tensor& x, const Tensor& weight = Tensor(), float eps = 1e-6f);

}  // namespace vlmlab::ops

#endif  // VLMLAB_PLATFORM_OPS_NORMALIZATION_OPS_H_
