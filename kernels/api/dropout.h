// Kernel signature of dropout with a counter-based mask: element i is kept when
// CounterUniform(seed, i) >= p, so the mask depends only on (seed, i) — not on thread count,
// visit order or backend — and the backward recomputes it instead of storing it.
//
//   // x, y: any shape, contiguous; p in [0, 1)
//   DropoutKernels().Call(x.device(), x.dtype(), x, 0.1f, seed, &y);    // forward
//   DropoutKernels().Call(g.device(), g.dtype(), gy, 0.1f, seed, &gx);  // backward: same map
//
// y = x * keep(i) / (1 - p). Dropout is linear in x with a fixed mask, so one kernel serves
// forward and backward.
#ifndef VLMLAB_KERNELS_API_DROPOUT_H_
#define VLMLAB_KERNELS_API_DROPOUT_H_

#include <cstdint>

#include "kernels/api/kernel_table.h"
#include "platform/tensor/counter_random.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

// The mask every backend must reproduce.
inline bool DropoutKeeps(uint64_t seed, uint64_t index, float p) {
  return CounterUniform(seed, index) >= p;
}

using DropoutKernel = absl::Status(const Tensor& x, float p, uint64_t seed, Tensor* y);
KernelTable<DropoutKernel>& DropoutKernels();

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_API_DROPOUT_H_
