// cpu_fused GELU-tanh and SiLU (forward and backward) against the reference kernels on odd
// lengths (vector tails) and on extreme values (large |x|, zeros, infinities in the forward,
// NaN); the other unary ops are handed to the next backend; bitwise determinism across
// thread counts; gradients through ops::Unary.
// Tolerances: |d| <= 1e-6 + 2e-6 |ref| (the vector exp is about 1 ulp; the reference runs in
// double).
#include <omp.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "gtest/gtest.h"
#include "kernels/api/elementwise.h"
#include "kernels/cpu_fused/fused_testing.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/testing/gradcheck.h"

namespace vlmlab {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Random values with extremes at the start (when there is room): infinities only with
// `with_inf` (the reference's derivative is NaN there: inf * 0).
Tensor Inputs(int64_t n, uint64_t seed, bool with_inf) {
  std::vector<float> v = Tensor::RandN({n}, seed, 3.0f).ToVector();
  std::vector<float> special = {0.0f,   -0.0f, 1e-20f, -1e-20f, 9.0f,   -9.0f, 40.0f,
                                -40.0f, 95.0f, -95.0f, 1e20f,   -1e20f, 3e38f, -3e38f};
  special.push_back(with_inf ? kInf : 12.5f);
  special.push_back(with_inf ? -kInf : -12.5f);
  for (size_t i = 0; i < special.size() && i < v.size(); ++i) v[i] = special[i];
  return Tensor::FromVector({n}, v);
}

TEST(UnaryCpuFused, MatchesReference) {
  auto* fused = BackendKernel(UnaryKernels(), "cpu_fused");
  auto* ref = BackendKernel(UnaryKernels(), "reference");
  auto* fused_bwd = BackendKernel(UnaryBackwardKernels(), "cpu_fused");
  auto* ref_bwd = BackendKernel(UnaryBackwardKernels(), "reference");
  uint64_t seed = 1;
  for (UnaryOp op : {UnaryOp::kGeluTanh, UnaryOp::kSilu}) {
    for (int64_t n : {1, 7, 8, 9, 16, 31, 1000, 4097, 20001}) {
      const std::string what = absl::StrCat(UnaryOpName(op), " n=", n);
      Tensor x = Inputs(n, seed, true), x_finite = Inputs(n, seed++, false);
      Tensor gy = Tensor::RandN({n}, seed++);
      Tensor y[2] = {Tensor::Zeros({n}), Tensor::Zeros({n})};
      Tensor gx[2] = {Tensor::Zeros({n}), Tensor::Zeros({n})};
      ASSERT_TRUE(fused(op, 0.0f, x, &y[0]).ok());
      ASSERT_TRUE(ref(op, 0.0f, x, &y[1]).ok());
      ASSERT_TRUE(fused_bwd(op, 0.0f, x_finite, gy, &gx[0]).ok());
      ASSERT_TRUE(ref_bwd(op, 0.0f, x_finite, gy, &gx[1]).ok());
      EXPECT_THAT(y[0], IsClose(y[1], 1e-6, 2e-6)) << what + " forward";
      EXPECT_THAT(gx[0], IsClose(gx[1], 1e-6, 2e-6)) << what + " backward";
    }
  }
}

// Hand-checked: gelu_tanh(1) = 0.5 (1 + tanh(sqrt(2/pi) 1.044715)) = 0.841192;
// silu(2) = 2 / (1 + e^-2) = 1.761594; silu'(0) = 0.5.
TEST(UnaryCpuFused, HandCheckedValues) {
  auto* fused = BackendKernel(UnaryKernels(), "cpu_fused");
  auto* fused_bwd = BackendKernel(UnaryBackwardKernels(), "cpu_fused");
  Tensor y = Tensor::Zeros({1});
  ASSERT_TRUE(fused(UnaryOp::kGeluTanh, 0.0f, Tensor::FromVector({1}, {1.0f}), &y).ok());
  EXPECT_NEAR(y.ToVector()[0], 0.841192, 1e-6);
  ASSERT_TRUE(fused(UnaryOp::kSilu, 0.0f, Tensor::FromVector({1}, {2.0f}), &y).ok());
  EXPECT_NEAR(y.ToVector()[0], 1.761594, 1e-6);
  ASSERT_TRUE(fused_bwd(UnaryOp::kSilu, 0.0f, Tensor::FromVector({1}, {0.0f}),
                        Tensor::FromVector({1}, {1.0f}), &y)
                  .ok());
  EXPECT_EQ(y.ToVector()[0], 0.5f);
  // NaN propagates.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  ASSERT_TRUE(fused(UnaryOp::kGeluTanh, 0.0f, Tensor::FromVector({1}, {nan}), &y).ok());
  EXPECT_TRUE(std::isnan(y.ToVector()[0]));
  ASSERT_TRUE(fused_bwd(UnaryOp::kGeluTanh, 0.0f, Tensor::FromVector({1}, {nan}),
                        Tensor::FromVector({1}, {1.0f}), &y)
                  .ok());
  EXPECT_TRUE(std::isnan(y.ToVector()[0]));
}

TEST(UnaryCpuFused, OtherOpsGoToTheNextBackend) {
  EXPECT_EQ(UnaryKernels().Find(DeviceType::kCpu, DType::kF32)->backend, "cpu_fused");
  auto* fused = BackendKernel(UnaryKernels(), "cpu_fused");
  auto* ref = BackendKernel(UnaryKernels(), "reference");
  auto* fused_bwd = BackendKernel(UnaryBackwardKernels(), "cpu_fused");
  auto* ref_bwd = BackendKernel(UnaryBackwardKernels(), "reference");
  Tensor x = Tensor::RandUniform({37}, 5, 0.1f, 3.0f), gy = Tensor::RandN({37}, 6);
  for (UnaryOp op :
       {UnaryOp::kScale, UnaryOp::kGeluErf, UnaryOp::kSigmoid, UnaryOp::kLog, UnaryOp::kRsqrt}) {
    Tensor y[2] = {Tensor::Zeros({37}), Tensor::Zeros({37})};
    Tensor gx[2] = {Tensor::Zeros({37}), Tensor::Zeros({37})};
    ASSERT_TRUE(fused(op, 1.5f, x, &y[0]).ok());
    ASSERT_TRUE(ref(op, 1.5f, x, &y[1]).ok());
    ASSERT_TRUE(fused_bwd(op, 1.5f, x, gy, &gx[0]).ok());
    ASSERT_TRUE(ref_bwd(op, 1.5f, x, gy, &gx[1]).ok());
    // Only the reference is linked besides cpu_fused here: the same kernel, the same bits.
    EXPECT_EQ(y[0].ToVector(), y[1].ToVector()) << UnaryOpName(op);
    EXPECT_EQ(gx[0].ToVector(), gx[1].ToVector()) << UnaryOpName(op);
  }
}

TEST(UnaryCpuFused, BitwiseSameForAnyThreadCount) {
  const int64_t n = 100003;  // several parallel chunks and a tail
  Tensor x = Tensor::RandN({n}, 8, 4.0f), gy = Tensor::RandN({n}, 9);
  auto* fused = BackendKernel(UnaryKernels(), "cpu_fused");
  auto* fused_bwd = BackendKernel(UnaryBackwardKernels(), "cpu_fused");
  const int saved = omp_get_max_threads();
  for (UnaryOp op : {UnaryOp::kGeluTanh, UnaryOp::kSilu}) {
    omp_set_num_threads(1);
    Tensor y1 = Tensor::Zeros({n}), g1 = Tensor::Zeros({n});
    ASSERT_TRUE(fused(op, 0.0f, x, &y1).ok());
    ASSERT_TRUE(fused_bwd(op, 0.0f, x, gy, &g1).ok());
    for (int threads : {2, 3}) {
      omp_set_num_threads(threads);
      Tensor y = Tensor::Zeros({n}), g = Tensor::Zeros({n});
      ASSERT_TRUE(fused(op, 0.0f, x, &y).ok());
      ASSERT_TRUE(fused_bwd(op, 0.0f, x, gy, &g).ok());
      EXPECT_EQ(std::memcmp(y.data<float>(), y1.data<float>(), n * sizeof(float)), 0);
      EXPECT_EQ(std::memcmp(g.data<float>(), g1.data<float>(), n * sizeof(float)), 0);
    }
  }
  omp_set_num_threads(saved);
}

TEST(UnaryCpuFused, GradientsThroughOps) {
  for (UnaryOp op : {UnaryOp::kGeluTanh, UnaryOp::kSilu}) {
    EXPECT_TRUE(GradCheck([&](const std::vector<Tensor>& in) { return ops::Unary(op, in[0]); },
                          {Tensor::RandN({3, 11}, 4, 2.0f)})
                    .ok())
        << UnaryOpName(op);
  }
}

}  // namespace
}  // namespace vlmlab
