// Differentiable elementwise ops: broadcasting arithmetic, scalar scaling, activations, and
// the broadcast/sum-to pair that undoes broadcasting in gradients.
//
//   absl::StatusOr<Tensor> y = ops::Add(x, bias);          // [B, T, C] + [C]
//   absl::StatusOr<Tensor> h = ops::Gelu(y.value());       // tanh approximation
//   absl::StatusOr<Tensor> g = ops::SumTo(grad, {1, C});   // sum over broadcast axes
//
// Every op checks its arguments and returns a Status naming the op and the shapes.
#ifndef VLMLAB_PLATFORM_OPS_ELEMENTWISE_OPS_H_
#define VLMLAB_PLATFORM_OPS_ELEMENTWISE_OPS_H_

#include "absl/status/statusor.h"
#include "kernels/api/elementwise.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::ops {

absl::StatusOr<Tensor> Add(const Tensor& a, const Tensor& b);
absl::StatusOr<Tensor> Sub(const Tensor& a, const Tensor& b);
absl::StatusOr<Tensor> Mul(const Tensor& a, const Tensor& b);
absl::StatusOr<Tensor> Div(const Tensor& a, const Tensor& b);
absl::StatusOr<Tensor> Binary(BinaryOp op, const Tensor& a, const Tensor& b);

absl::StatusOr<Tensor> Scale(const Tensor& x, float factor);
absl::StatusOr<Tensor> AddScalar(const Tensor& x, float value);
absl::StatusOr<Tensor> Gelu(const Tensor& x, bool tanh_approximation = true);
absl::StatusOr<Tensor> Silu(const Tensor& x);
absl::StatusOr<Tensor> Sigmoid(const Tensor& x);
absl::StatusOr<Tensor> Tanh(const Tensor& x);
absl::StatusOr<Tensor> Relu(const Tensor& x);
absl::StatusOr<Tensor> Exp(const Tensor& x);
absl::StatusOr<Tensor> Log(const Tensor& x);
absl::StatusOr<Tensor> Square(const Tensor& x);
absl::StatusOr<Tensor> Sqrt(const Tensor& x);
absl::StatusOr<Tensor> Rsqrt(const Tensor& x);
absl::StatusOr<Tensor> Unary(UnaryOp op, const Tensor& x, float alpha = 0);

// x summed down to `shape` (x.shape() must broadcast from `shape`). Gradient: broadcast.
absl::StatusOr<Tensor> SumTo(const Tensor& x, const Shape& shape);
// x broadcast up to `shape`. Gradient: SumTo.
absl::StatusOr<Tensor> BroadcastTo(const Tensor& x, const Shape& shape);

}  // namespace vlmlab::ops

#endif  // VLMLAB_PLATFORM_OPS_ELEMENTWISE_OPS_H_
