// Tests for cuda_smoke. The numeric tests skip (with the reason) when the binary was built
// without --config=cuda or when no usable CUDA device is present; the status test runs in
// every build and checks that a missing GPU/driver surfaces as a clear Status, not a crash.
#include "kernels/cuda/cuda_smoke.h"

#include <cmath>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vlmlab::cuda {
namespace {

// Empty when a usable device is present, otherwise why the GPU tests must skip.
std::string NoDeviceReason() {
  if (!CompiledWithCuda()) return "built without CUDA (--config=cuda)";
  absl::StatusOr<int> count = DeviceCount();
  if (!count.ok()) return "no CUDA device: " + std::string(count.status().ToString());
  if (*count == 0) return "no CUDA device: the driver reports 0 devices";
  return "";
}

#define SKIP_WITHOUT_DEVICE() \
  if (std::string reason = NoDeviceReason(); !reason.empty()) GTEST_SKIP() << reason

TEST(CudaSmokeTest, ReportsStatusInsteadOfCrashingWithoutDevice) {
  std::vector<float> a(8, 1.0f), b(8, 2.0f), out(8, 0.0f);
  absl::StatusOr<int> count = DeviceCount();
  if (!CompiledWithCuda()) {
    for (const absl::Status& s : {count.status(), VectorAdd(a.data(), b.data(), out.data(), 8),
                                  Sgemm(2, 2, 2, a.data(), b.data(), out.data())}) {
      EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
      EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("--config=cuda")) << s;
    }
    return;
  }
  // Argument errors are caught before any device is touched.
  EXPECT_EQ(VectorAdd(a.data(), b.data(), out.data(), -1).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Sgemm(-1, 2, 2, a.data(), b.data(), out.data()).code(),
            absl::StatusCode::kInvalidArgument);
  if (count.ok() && *count > 0) return;  // A real device: the numeric tests cover it.
  if (!count.ok()) {
    EXPECT_THAT(std::string(count.status().message()), ::testing::HasSubstr("cuda_smoke.cu:"))
        << "error should carry file:line: " << count.status();
  }
  absl::Status add = VectorAdd(a.data(), b.data(), out.data(), 8);
  absl::Status gemm = Sgemm(2, 2, 2, a.data(), b.data(), out.data());
  EXPECT_FALSE(add.ok());
  EXPECT_FALSE(gemm.ok());
  EXPECT_THAT(std::string(add.message()), ::testing::HasSubstr("cuda_smoke.cu:")) << add;
  EXPECT_THAT(std::string(gemm.message()), ::testing::HasSubstr("cuda_smoke.cu:")) << gemm;
}

TEST(CudaSmokeTest, VectorAddMatchesLoop) {
  SKIP_WITHOUT_DEVICE();
  const int n = 100003;  // Not a multiple of the block size.
  std::vector<float> a(n), b(n), out(n, -1.0f);
  for (int i = 0; i < n; ++i) {
    a[i] = 0.5f * i;
    b[i] = 1.0f - 0.25f * i;
  }
  ASSERT_TRUE(VectorAdd(a.data(), b.data(), out.data(), n).ok());
  for (int i = 0; i < n; ++i) ASSERT_EQ(out[i], a[i] + b[i]) << "at " << i;
}

TEST(CudaSmokeTest, SgemmMatchesTripleLoop) {
  SKIP_WITHOUT_DEVICE();
  const int m = 37, n = 53, k = 29;  // Odd sizes catch row/column-major mix-ups.
  std::vector<float> a(m * k), b(k * n), c(m * n, -1.0f);
  for (int i = 0; i < m * k; ++i) a[i] = std::sin(0.1f * i);
  for (int i = 0; i < k * n; ++i) b[i] = std::cos(0.07f * i);
  absl::Status s = Sgemm(m, n, k, a.data(), b.data(), c.data());
  ASSERT_TRUE(s.ok()) << s;
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      double want = 0.0;
      for (int p = 0; p < k; ++p) want += double{a[i * k + p]} * b[p * n + j];
      ASSERT_NEAR(c[i * n + j], want, 1e-4 * (1.0 + std::fabs(want))) << i << "," << j;
    }
  }
}

}  // namespace
}  // namespace vlmlab::cuda
