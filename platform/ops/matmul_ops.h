// Differentiable matrix products.
//
//   // a: [B, M, K], b: [B, K, N] (or [K, N], shared)  ->  [B, M, N]
//   absl::StatusOr<Tensor> c = ops::Matmul(a, b);
//   absl::StatusOr<Tensor> s = ops::Matmul(q, k, /*transpose_a=*/false, /*transpose_b=*/true);
//   // x: [..., in], weight: [out, in], bias: [out] (optional)  ->  [..., out]
//   absl::StatusOr<Tensor> y = ops::Linear(x, weight, bias);
//
// bf16 inputs give an f32 result (f32 accumulation); the caller casts if it wants bf16.
#ifndef VLMLAB_PLATFORM_OPS_MATMUL_OPS_H_
#define VLMLAB_PLATFORM_OPS_MATMUL_OPS_H_

#include "absl/status/statusor.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::ops {

absl::StatusOr<Tensor> Matmul(const Tensor& a, const Tensor& b, bool transpose_a = false,
                              bool transpose_b = false);

absl::StatusOr<Tensor> Linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

// Whether `device` has a bf16 matmul kernel other than the reference (on the CPU: oneDNN with
// avx512_bf16), i.e. whether MatmulPrecision::kBF16 (precision.h) takes effect there.
bool HasFastBf16Matmul(DeviceType device);

}  // namespace vlmlab::ops

#endif  // VLMLAB_PLATFORM_OPS_MATMUL_OPS_H_
