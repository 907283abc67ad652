// Helpers of the kernels/cpu tests: compare a kernel's output with the reference kernel's.
//
//   EXPECT_TRUE(AllClose(got, want, /*rtol=*/1e-4, /*atol=*/1e-5)) << "matmul 37x53x29";
//   EXPECT_TRUE(AllClose(got, want, 0, 0));   // bitwise-equal values (NaNs must match too)
#ifndef VLMLAB_KERNELS_CPU_TEST_UTIL_H_
#define VLMLAB_KERNELS_CPU_TEST_UTIL_H_

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

// |got - want| <= atol + rtol * |want| elementwise; the failure names the worst element.
inline ::testing::AssertionResult AllClose(const Tensor& got, const Tensor& want, double rtol,
                                           double atol) {
  if (got.shape() != want.shape()) {
    return ::testing::AssertionFailure()
           << "shapes differ: " << got.DebugString() << " vs " << want.DebugString();
  }
  std::vector<float> g = got.ToVector(), w = want.ToVector();
  int64_t bad = 0, worst = -1;
  double worst_excess = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(g[i]) && std::isnan(w[i])) continue;
    double err = std::fabs(static_cast<double>(g[i]) - w[i]);
    double excess = err - (atol + rtol * std::fabs(w[i]));
    if (excess > 0 || std::isnan(err)) {
      ++bad;
      if (worst < 0 || excess > worst_excess || std::isnan(err)) {
        worst = static_cast<int64_t>(i);
        worst_excess = excess;
      }
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << bad << " of " << g.size() << " elements of " << got.DebugString()
         << " out of tolerance (rtol " << rtol << ", atol " << atol << "); worst at " << worst
         << ": got " << g[worst] << ", want " << w[worst];
}

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_CPU_TEST_UTIL_H_
