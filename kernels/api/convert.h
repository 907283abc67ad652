// Kernel signature of dtype conversion between contiguous tensors of one shape: f32 -> bf16
// (rounding to nearest even, NaN kept quiet: FloatToBf16 of platform/tensor/dtype.h, exactly)
// and bf16 -> f32 (exact). Mixed-precision matmuls and convolutions convert their f32 operands
// through it. The table is keyed by the destination dtype.
//
//   Tensor h = Tensor::Uninitialized(x.shape(), DType::kBF16, x.device());
//   ConvertKernels().Call(x.device(), DType::kBF16, x, &h);
#ifndef VLMLAB_KERNELS_API_CONVERT_H_
#define VLMLAB_KERNELS_API_CONVERT_H_

#include "kernels/api/kernel_table.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

using ConvertKernel = absl::Status(const Tensor& src, Tensor* dst);
KernelTable<ConvertKernel>& ConvertKernels();

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_API_CONVERT_H_
