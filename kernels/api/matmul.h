// Kernel signature of (batched) matrix multiplication.
//
//   a: [batch..., M, K] ([batch..., K, M] if transpose_a)
//   b: [batch..., K, N] ([batch..., N, K] if transpose_b), or 2-D and shared by every batch
//   out: [batch..., M, N];   out = a @ b + beta * out
//
// All contiguous, one dtype for a and b; out is f32 when a and b are bf16 (f32 accumulation,
// the mixed-precision path), else the same dtype.
#ifndef VLMLAB_KERNELS_API_MATMUL_H_
#define VLMLAB_KERNELS_API_MATMUL_H_

#include "kernels/api/kernel_table.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

struct MatmulParams {
  bool transpose_a = false;
  bool transpose_b = false;
  float beta = 0.0f;  // 1 accumulates into out
};

using MatmulKernel = absl::Status(const Tensor& a, const Tensor& b, const MatmulParams& params,
                                  Tensor* out);
KernelTable<MatmulKernel>& MatmulKernels();

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_API_MATMUL_H_
