// Kernel signatures of softmax and log-softmax over the last axis, and their backward.
//
//   // x, y: [..., C]
//   SoftmaxKernels().Call(x.device(), x.dtype(), SoftmaxKind::kLog, x, &y);
//   // gx = d loss / dx from the forward output y and gy = d loss / dy
//   SoftmaxBackwardKernels().Call(y.device(), y.dtype(), SoftmaxKind::kLog, y, gy, &gx);
//
// Contracts (the ops layer guarantees them): every tensor is contiguous, on one device, of
// one dtype and of one shape with at least one axis; outputs are preallocated. Forward
// kernels subtract the row maximum (numerically stable for any finite input).
#ifndef VLMLAB_KERNELS_API_SOFTMAX_H_
#define VLMLAB_KERNELS_API_SOFTMAX_H_

#include "kernels/api/kernel_table.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

enum class SoftmaxKind { kSoftmax, kLog };
const char* SoftmaxKindName(SoftmaxKind kind);  // "softmax" / "log_softmax"

// y = softmax(x) or log_softmax(x) along the last axis.
using SoftmaxKernel = absl::Status(SoftmaxKind kind, const Tensor& x, Tensor* y);
KernelTable<SoftmaxKernel>& SoftmaxKernels();

// From the forward output y:
//   softmax:      gx = y * (gy - sum(gy * y))
//   log_softmax:  gx = gy - exp(y) * sum(gy)
using SoftmaxBackwardKernel = absl::Status(SoftmaxKind kind, const Tensor& y, const Tensor& gy,
                                           Tensor* gx);
KernelTable<SoftmaxBackwardKernel>& SoftmaxBackwardKernels();

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_API_SOFTMAX_H_
