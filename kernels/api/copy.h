// Kernel signature of strided copy: dst[i] = src[i] for tensors of one shape and dtype with
// any strides (views). Used to materialise views and to write into slices.
//
//   CopyKernels().Call(dst.device(), dst.dtype(), src, &dst_view);
#ifndef VLMLAB_KERNELS_API_COPY_H_
#define VLMLAB_KERNELS_API_COPY_H_

#include "kernels/api/kernel_table.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

using CopyKernel = absl::Status(const Tensor& src, Tensor* dst);
KernelTable<CopyKernel>& CopyKernels();

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_API_COPY_H_
