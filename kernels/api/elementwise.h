// Kernel signatures of elementwise ops: broadcasting binary arithmetic, unary functions and
// their derivatives, and summation to a (broadcast-compatible) shape.
//
//   Tensor out = Tensor::Empty(BroadcastShapes(a.shape(), b.shape()).value()).value();
//   absl::Status s = BinaryKernels().Call(a.device(), a.dtype(), BinaryOp::kAdd, a, b, &out);
//
// Contracts (the ops layer guarantees them): every tensor is contiguous and on one device;
// inputs and outputs share a dtype; `out` is allocated with its final shape.
#ifndef VLMLAB_KERNELS_API_ELEMENTWISE_H_
#define VLMLAB_KERNELS_API_ELEMENTWISE_H_

#include "absl/status/statusor.h"
#include "kernels/api/kernel_table.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

enum class BinaryOp { kAdd, kSub, kMul, kDiv };
const char* BinaryOpName(BinaryOp op);

// out = a (op) b, with a and b broadcast to out's shape (NumPy rules).
using BinaryKernel = absl::Status(BinaryOp op, const Tensor& a, const Tensor& b, Tensor* out);
KernelTable<BinaryKernel>& BinaryKernels();

enum class UnaryOp {
  kScale,      // alpha * x
  kAddScalar,  // x + alpha
  kGeluTanh,   // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  kGeluErf,    // 0.5 x (1 + erf(x / sqrt(2)))
  kSilu,       // x * sigmoid(x)
  kSigmoid,
  kTanh,
  kRelu,
  kExp,
  kLog,
  kSquare,
  kSqrt,
  kRsqrt,
};
const char* UnaryOpName(UnaryOp op);

// y = f(x; alpha).
using UnaryKernel = absl::Status(UnaryOp op, float alpha, const Tensor& x, Tensor* y);
KernelTable<UnaryKernel>& UnaryKernels();

// gx = gy * f'(x; alpha).
using UnaryBackwardKernel = absl::Status(UnaryOp op, float alpha, const Tensor& x, const Tensor& gy,
                                         Tensor* gx);
KernelTable<UnaryBackwardKernel>& UnaryBackwardKernels();

// out = x summed over every axis where out has size 1 and x does not (out's rank may be lower:
// leading axes of x are then summed away, as when undoing a broadcast).
using SumToKernel = absl::Status(const Tensor& x, Tensor* out);
KernelTable<SumToKernel>& SumToKernels();

// Convenience for autograd: a + b (same shape) through the best kernel, as a new tensor.
absl::StatusOr<Tensor> AddTensors(const Tensor& a, const Tensor& b);

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_API_ELEMENTWISE_H_
