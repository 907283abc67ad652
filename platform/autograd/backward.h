// Reverse-mode differentiation: Backward(loss) accumulates d loss / d leaf into the `grad()` of
// every leaf tensor that requires a gradient (parameters), adding to what is already there
// (gradient accumulation over micro-batches). The graph is released afterwards.
//
//   Tensor loss = ...;                     // built by platform/ops with grad mode on
//   absl::Status s = Backward(loss);       // loss must have one element, unless a seed is given
//   Tensor g = weight.grad();
#ifndef VLMLAB_PLATFORM_AUTOGRAD_BACKWARD_H_
#define VLMLAB_PLATFORM_AUTOGRAD_BACKWARD_H_

#include "absl/status/status.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

// `seed` is d(final)/d(output), of output's shape; by default 1 for a one-element output.
absl::Status Backward(const Tensor& output, const Tensor& seed = Tensor());

// Adds `grad` into leaf.grad() (sets it when undefined).
absl::Status AccumulateGrad(const Tensor& leaf, const Tensor& grad);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_AUTOGRAD_BACKWARD_H_
