// Kernel signatures of layer norm and RMS norm over the last axis, forward and fused backward.
//
//   // x, y: [..., C]; weight, bias: [C] or undefined; mean, rstd: [rows] f32 (rows = numel / C)
//   LayerNormKernels().Call(x.device(), x.dtype(), x, weight, bias, 1e-5f, &y, &mean, &rstd);
//   LayerNormBackwardKernels().Call(x.device(), x.dtype(), x, weight, mean, rstd, gy,
//                                   &gx, &gweight, &gbias);   // any of the three may be null
//
//   layer_norm:  xhat = (x - mean) * rstd,  rstd = 1 / sqrt(var + eps)  (biased variance)
//                y = xhat * weight + bias
//   rms_norm:    xhat = x * rstd,          rstd = 1 / sqrt(mean(x^2) + eps)
//                y = xhat * weight
//
// Contracts (the ops layer guarantees them): every tensor is contiguous and on one device;
// x, y, gy, gx, weight, bias, gweight, gbias share a dtype; mean and rstd are f32 with one
// entry per row (their numel is the row count, also when C is 0). Undefined weight means 1,
// undefined bias means 0. Backward kernels overwrite (not accumulate into) their outputs;
// gweight and gbias sum over rows in a fixed order (deterministic).
#ifndef VLMLAB_KERNELS_API_NORMALIZATION_H_
#define VLMLAB_KERNELS_API_NORMALIZATION_H_

#include "kernels/api/kernel_table.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

using LayerNormKernel = absl::Status(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                     float eps, Tensor* y, Tensor* mean, Tensor* rstd);
KernelTable<LayerNormKernel>& LayerNormKernels();

//   g = gy * weight;  gx = rstd * (g - mean(g) - xhat * mean(g * xhat))
//   gweight = sum_rows(gy * xhat);  gbias = sum_rows(gy)
using LayerNormBackwardKernel = absl::Status(const Tensor& x, const Tensor& weight,
                                             const Tensor& mean, const Tensor& rstd,
                                             const Tensor& gy, Tensor* gx, Tensor* gweight,
                                             Tensor* gbias);
KernelTable<LayerNormBackwardKernel>& LayerNormBackwardKernels();

using RmsNormKernel = absl::Status(const Tensor& x, const Tensor& weight, float eps, Tensor* y,
                                   Tensor* rstd);
KernelTable<RmsNormKernel>& RmsNormKernels();

//   g = gy * weight;  gx = rstd * (g - xhat * mean(g * xhat));  gweight = sum_rows(gy * xhat)
using RmsNormBackwardKernel = absl::Status(const Tensor& x, const Tensor& weight,
                                           const Tensor& rstd, const Tensor& gy, Tensor* gx,
                                           Tensor* gweight);
KernelTable<RmsNormBackwardKernel>& RmsNormBackwardKernels();

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_API_NORMALIZATION_H_
