// Differentiable dropout with a counter-based mask: element i (row-major) is kept when
// CounterUniform(seed, i) >= p and scaled by 1 / (1 - p), so the mask depends only on
// (seed, i) — identical for any thread count or backend — and the backward recomputes it.
//
//   // x: any shape; a fresh seed per step and call site (e.g. Mix64(step) ^ layer)
//   absl::StatusOr<Tensor> h = ops::Dropout(x, /*p=*/0.1f, seed, /*training=*/true);
//
// Identity (x itself) when !training or p == 0. p must be in [0, 1).
#ifndef VLMLAB_PLATFORM_OPS_DROPOUT_OPS_H_
#define VLMLAB_PLATFORM_OPS_DROPOUT_OPS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::ops {

absl::StatusOr<Tensor> Dropout(const Tensor& x, float p, uint64_t seed, bool training = true);

}  // namespace vlmlab::ops

#endif  // VLMLAB_PLATFORM_OPS_DROPOUT_OPS_H_
