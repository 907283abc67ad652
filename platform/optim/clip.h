// Global-norm gradient clipping (StageSpec.max_grad_norm).
//
//   absl::StatusOr<double> norm = ClipGradNorm(optimizer->Parameters(), /*max_norm=*/1.0);
//   if (norm.ok() && !std::isfinite(*norm)) { /* skip this step */ }
//   // or without a pass over the gradients: the optimizer applies the scale in its update
//   double n = GradNorm(optimizer->Parameters()).value();
//   optimizer->Step(lr, ClipScale(n, /*max_norm=*/1.0));
//
// The norm is sqrt(sum of g^2) over every gradient, accumulated in double in the fixed order
// of the squared_norm kernel (kernels/api/optimizer_update.h: the same at any thread count; a
// tensor listed twice counts once). When max_norm > 0 and the norm exceeds
// it, every gradient is scaled in place by max_norm / (norm + 1e-6), as PyTorch does. A
// non-finite norm leaves the gradients untouched: the caller decides (usually skips the step).
// Parameters without a gradient are ignored. CPU f32 gradients for now.
#ifndef VLMLAB_PLATFORM_OPTIM_CLIP_H_
#define VLMLAB_PLATFORM_OPTIM_CLIP_H_

#include <vector>

#include "absl/status/statusor.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::optim {

// The global gradient norm, without clipping.
absl::StatusOr<double> GradNorm(const std::vector<Tensor>& params);

// The factor clipping multiplies the gradients by: max_norm / (norm + 1e-6) when max_norm > 0
// and a finite norm exceeds it, else 1.
float ClipScale(double norm, double max_norm);

// Returns the norm before clipping; max_norm <= 0 means no clipping.
absl::StatusOr<double> ClipGradNorm(const std::vector<Tensor>& params, double max_norm);

}  // namespace vlmlab::optim

#endif  // VLMLAB_PLATFORM_OPTIM_CLIP_H_
