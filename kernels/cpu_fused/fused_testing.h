// Test helpers for kernels/cpu_fused: pick one backend's kernel from a table, and compare two
// tensors elementwise: equal (infinities too), both NaN, or |a - b| <= atol + rtol * |b|.
//
//   auto* fused = BackendKernel(SoftmaxKernels(), "cpu_fused");
//   auto* ref = BackendKernel(SoftmaxKernels(), "reference");
//   ExpectClose(y_fused, y_ref, 1e-6, 1e-5, "softmax [3, 7, 37]");
#ifndef VLMLAB_KERNELS_CPU_FUSED_FUSED_TESTING_H_
#define VLMLAB_KERNELS_CPU_FUSED_FUSED_TESTING_H_

#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/api/kernel_table.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

// The f32 kernel `backend` registered in `table`; CHECK-fails when it is missing.
template <typename Fn>
Fn* BackendKernel(const KernelTable<Fn>& table, const char* backend) {
  const typename KernelTable<Fn>::Impl* impl = table.FindBackend(backend, DType::kF32);
  CHECK(impl != nullptr) << "no " << backend << " kernel for " << table.op();
  return impl->fn;
}

inline void ExpectClose(const Tensor& got, const Tensor& want, double atol, double rtol,
                        const std::string& what) {
  ASSERT_EQ(ShapeString(got.shape()), ShapeString(want.shape())) << what;
  std::vector<float> a = got.ToVector(), b = want.ToVector();
  int reported = 0;
  for (size_t i = 0; i < a.size() && reported < 5; ++i) {
    bool ok = a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])) ||
              std::abs(double{a[i]} - b[i]) <= atol + rtol * std::abs(double{b[i]});
    if (!ok) {
      ADD_FAILURE() << what << ": element " << i << " is " << a[i] << ", reference " << b[i];
      ++reported;
    }
  }
}

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_CPU_FUSED_FUSED_TESTING_H_
