// Test helpers for kernels/cpu_fused: pick one backend's kernel from a table (comparisons use
// IsClose of platform/testing/matchers.h).
//
//   auto* fused = BackendKernel(SoftmaxKernels(), "cpu_fused");
//   auto* ref = BackendKernel(SoftmaxKernels(), "reference");
//   EXPECT_THAT(y_fused, IsClose(y_ref, 1e-6, 1e-5)) << "softmax [3, 7, 37]";
#ifndef VLMLAB_KERNELS_CPU_FUSED_FUSED_TESTING_H_
#define VLMLAB_KERNELS_CPU_FUSED_FUSED_TESTING_H_

#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/api/kernel_table.h"
#include "platform/tensor/tensor.h"
#include "platform/testing/matchers.h"  // IsClose, for the tests that include this

namespace vlmlab {

// The f32 kernel `backend` registered in `table`; CHECK-fails when it is missing.
template <typename Fn>
Fn* BackendKernel(const KernelTable<Fn>& table, const char* backend) {
  const typename KernelTable<Fn>::Impl* impl = table.FindBackend(backend, DType::kF32);
  CHECK(impl != nullptr) << "no " << backend << " kernel for " << table.op();
  return impl->fn;
}

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_CPU_FUSED_FUSED_TESTING_H_
