// cpu_fused softmax / log-softmax against the reference kernels on random odd shapes.
// Tolerances: forward |d| <= 1e-6 + 1e-5 |ref|; backward |d| <= 1e-5 + 1e-4 |ref|.
#include "gtest/gtest.h"
#include "kernels/api/softmax.h"
#include "kernels/cpu_fused/fused_testing.h"

namespace vlmlab {
namespace {

const std::vector<Shape> kShapes = {{3, 7, 37}, {1, 1}, {5, 1000}, {2, 1}, {4, 0}, {13}};

TEST(SoftmaxCpuFused, IsTheF32DefaultAndLeavesBf16ToTheReference) {
  EXPECT_EQ(SoftmaxKernels().Find(DeviceType::kCpu, DType::kF32)->backend, "cpu_fused");
  EXPECT_EQ(SoftmaxBackwardKernels().Find(DeviceType::kCpu, DType::kF32)->backend, "cpu_fused");
  EXPECT_TRUE(SoftmaxKernels().Supports("cpu_fused", DeviceType::kCpu, DType::kF32));
  EXPECT_FALSE(SoftmaxKernels().Supports("cpu_fused", DeviceType::kCpu, DType::kBF16));
  EXPECT_EQ(SoftmaxKernels().Find(DeviceType::kCpu, DType::kBF16)->backend, "reference");
}

TEST(SoftmaxCpuFused, MatchesReference) {
  uint64_t seed = 1;
  for (SoftmaxKind kind : {SoftmaxKind::kSoftmax, SoftmaxKind::kLog}) {
    for (const Shape& shape : kShapes) {
      const std::string what = absl::StrCat(SoftmaxKindName(kind), " ", ShapeString(shape));
      Tensor x = Tensor::RandN(shape, seed++, 4.0f), gy = Tensor::RandN(shape, seed++);
      Tensor y_fused = Tensor::Zeros(shape), y_ref = Tensor::Zeros(shape);
      ASSERT_TRUE(BackendKernel(SoftmaxKernels(), "cpu_fused")(kind, x, &y_fused).ok());
      ASSERT_TRUE(BackendKernel(SoftmaxKernels(), "reference")(kind, x, &y_ref).ok());
      EXPECT_THAT(y_fused, IsClose(y_ref, 1e-6, 1e-5)) << what + " forward";
      Tensor g_fused = Tensor::Zeros(shape), g_ref = Tensor::Zeros(shape);
      ASSERT_TRUE(
          BackendKernel(SoftmaxBackwardKernels(), "cpu_fused")(kind, y_ref, gy, &g_fused).ok());
      ASSERT_TRUE(
          BackendKernel(SoftmaxBackwardKernels(), "reference")(kind, y_ref, gy, &g_ref).ok());
      EXPECT_THAT(g_fused, IsClose(g_ref, 1e-5, 1e-4)) << what + " backward";
    }
  }
}

TEST(SoftmaxCpuFused, ExtremeRowsMatchReference) {
  const float inf = std::numeric_limits<float>::infinity();
  Tensor x = Tensor::FromVector({3, 3}, {1e30f, -1e30f, 0, -inf, 0, 1, 88, 89, 90});
  for (SoftmaxKind kind : {SoftmaxKind::kSoftmax, SoftmaxKind::kLog}) {
    Tensor y_fused = Tensor::Zeros({3, 3}), y_ref = Tensor::Zeros({3, 3});
    ASSERT_TRUE(BackendKernel(SoftmaxKernels(), "cpu_fused")(kind, x, &y_fused).ok());
    ASSERT_TRUE(BackendKernel(SoftmaxKernels(), "reference")(kind, x, &y_ref).ok());
    EXPECT_THAT(y_fused, IsClose(y_ref, 1e-6, 1e-5)) << SoftmaxKindName(kind);
  }
}

}  // namespace
}  // namespace vlmlab
