// Differentiable 2-D convolution on channels-last images (NHWC): the layers of the conv
// encoder, where channels-last lets a LayerNorm over channels and the final flatten to tokens
// work without transposes.
//
//   // x [N, H, W, Cin], weight [Cout, Cin, k, k] (PyTorch's layout), bias [Cout] (optional)
//   ops::Conv2dOptions o{.stride = 2, .padding = 1};
//   absl::StatusOr<Tensor> y = ops::Conv2d(x, weight, bias, o);   // [N, Ho, Wo, Cout]
//   // Ho = (H + 2*padding - kh) / stride + 1, and likewise Wo.
//
// y[n, oy, ox, co] = bias[co] + sum x[n, oy*stride - padding + ky, ox*stride - padding + kx, ci]
// * weight[co, ci, ky, kx], with zeros outside the image. Gradients for x, weight and bias
// (only those that are needed). Errors name the op and the shapes.
#ifndef VLMLAB_PLATFORM_OPS_CONV_OPS_H_
#define VLMLAB_PLATFORM_OPS_CONV_OPS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::ops {

struct Conv2dOptions {
  int64_t stride = 1;
  int64_t padding = 0;
};

absl::StatusOr<Tensor> Conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
                              const Conv2dOptions& options = {});

// Whether `device` has bf16 convolution kernels (forward and both backward passes) other
// than the reference: then, under MatmulPrecision::kBF16 (precision.h), Conv2d rounds its
// inputs to bf16 and accumulates in f32, as Matmul does.
bool HasFastBf16Conv(DeviceType device);

// Multiply-adds of one Conv2d over a batch of `n` images: n * Ho * Wo * Cout * Cin * kh * kw.
int64_t Conv2dMacs(int64_t n, int64_t out_h, int64_t out_w, int64_t cin, int64_t cout, int64_t kh,
                   int64_t kw);

}  // namespace vlmlab::ops

#endif  // VLMLAB_PLATFORM_OPS_CONV_OPS_H_
