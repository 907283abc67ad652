// Kernel signatures of 2-D convolution on channels-last images (NHWC), forward and the two
// backward passes, as the conv encoder uses them. The ops layer (platform/ops/conv_ops.h)
// checks shapes and records autograd.
//
//   // x [N, H, W, Cin], weight [Cout, Cin, kh, kw] (PyTorch's layout), bias [Cout] or undefined
//   Conv2dParams p{.stride = 2, .padding = 1};
//   Tensor y = Tensor::Empty({N, Ho, Wo, Cout}).value();   // Ho = (H + 2*pad - kh) / stride + 1
//   absl::Status s = Conv2dKernels().Call(x.device(), x.dtype(), x, weight, bias, p, &y);
//
//   y[n, oy, ox, co] = bias[co] + sum_{ci, ky, kx} x[n, oy*s - pad + ky, ox*s - pad + kx, ci]
//                                                  * weight[co, ci, ky, kx]
// (zero padding: out-of-image taps contribute nothing).
//
// Contracts (the ops layer guarantees them): every tensor is contiguous, on one device and of
// one dtype, except that a bf16 call (mixed precision) takes bf16 inputs (x, weight, and the
// output gradient) and writes f32 outputs (y, bias, and the gradients) with f32 bias;
// outputs are allocated with their final shape; Ho, Wo >= 1. Backward kernels overwrite (not
// accumulate into) their outputs.
#ifndef VLMLAB_KERNELS_API_CONV_H_
#define VLMLAB_KERNELS_API_CONV_H_

#include <cstdint>

#include "kernels/api/kernel_table.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

struct Conv2dParams {
  int64_t stride = 1;   // the same along both axes
  int64_t padding = 0;  // zeros on every side
};

// Output size along one axis, or <= 0 when the kernel does not fit.
inline int64_t Conv2dOutputSize(int64_t in, int64_t kernel, const Conv2dParams& p) {
  if (p.stride < 1) return 0;
  const int64_t span = in + 2 * p.padding - kernel;
  return span < 0 ? 0 : span / p.stride + 1;
}

using Conv2dKernel = absl::Status(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                  const Conv2dParams& params, Tensor* y);
KernelTable<Conv2dKernel>& Conv2dKernels();

// grad_x [N, H, W, Cin] from grad_y [N, Ho, Wo, Cout] and weight [Cout, Cin, kh, kw].
using Conv2dBackwardDataKernel = absl::Status(const Tensor& grad_y, const Tensor& weight,
                                              const Conv2dParams& params, Tensor* grad_x);
KernelTable<Conv2dBackwardDataKernel>& Conv2dBackwardDataKernels();

// grad_weight [Cout, Cin, kh, kw] and (when not null) grad_bias [Cout] = sum of grad_y over
// N, Ho, Wo; from x [N, H, W, Cin] and grad_y [N, Ho, Wo, Cout].
using Conv2dBackwardWeightsKernel = absl::Status(const Tensor& x, const Tensor& grad_y,
                                                 const Conv2dParams& params, Tensor* grad_weight,
                                                 Tensor* grad_bias);
KernelTable<Conv2dBackwardWeightsKernel>& Conv2dBackwardWeightsKernels();

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_API_CONV_H_
