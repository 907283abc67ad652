// cpu_fused RoPE against the reference kernel on odd shapes (head sizes that are not a
// multiple of 8), positions [T] and [B, T] (shared, per sample, negative and far beyond the
// cached table), both directions; a hand-checked rotation; bitwise determinism across thread
// counts; gradients of ops::Rope through the fused kernel.
// Tolerance: |d| <= 1e-6 + 1e-6 |ref|: the angles and their cos / sin are the reference's,
// rounded to float; the reference rotates in double, this kernel in float (a few ulp).
#include <omp.h>

#include <cmath>
#include <cstring>

#include "gtest/gtest.h"
#include "kernels/api/rope.h"
#include "kernels/cpu_fused/fused_testing.h"
#include "platform/ops/rope_ops.h"
#include "platform/ops/testing/gradcheck.h"

namespace vlmlab {
namespace {

struct Case {
  Shape x;         // [B, H, T, D]
  bool per_batch;  // positions [B, T] (else [T])
  int32_t first;   // positions first, first + stride, ...
  int32_t stride;
};

Tensor Positions(const Case& c) {
  const int64_t b = c.x[0], t = c.x[2];
  std::vector<int32_t> p;
  for (int64_t i = 0; i < (c.per_batch ? b : 1); ++i) {
    for (int64_t j = 0; j < t; ++j)
      p.push_back(c.first + static_cast<int32_t>(i * 3 + j) * c.stride);
  }
  return c.per_batch ? Tensor::FromInts({b, t}, p) : Tensor::FromInts({t}, p);
}

TEST(RopeCpuFused, MatchesReference) {
  const std::vector<Case> cases = {
      {{3, 5, 7, 6}, false, 0, 1},     {{2, 3, 9, 18}, true, 0, 1},
      {{1, 2, 4, 2}, false, 5, 7},     {{2, 4, 33, 64}, true, 0, 1},
      {{2, 1, 5, 10}, true, -4, 3},    {{1, 3, 3, 12}, false, 4000000, 9000},
      {{4, 6, 17, 32}, false, 100, 2}, {{1, 1, 1, 8}, true, 0, 0},
  };
  auto* fused = BackendKernel(RopeKernels(), "cpu_fused");
  auto* ref = BackendKernel(RopeKernels(), "reference");
  uint64_t seed = 1;
  for (const Case& c : cases) {
    for (float theta : {10000.0f, 500000.0f, 3.5f}) {
      for (bool inverse : {false, true}) {
        const std::string what =
            absl::StrCat("rope ", ShapeString(c.x), c.per_batch ? " [B, T]" : " [T]",
                         " positions from ", c.first, " theta ", theta, inverse ? " inverse" : "");
        Tensor x = Tensor::RandN(c.x, seed++, 3.0f), pos = Positions(c);
        Tensor y_fused = Tensor::Zeros(c.x), y_ref = Tensor::Zeros(c.x);
        ASSERT_TRUE(fused(x, pos, theta, inverse, &y_fused).ok()) << what;
        ASSERT_TRUE(ref(x, pos, theta, inverse, &y_ref).ok()) << what;
        EXPECT_THAT(y_fused, IsClose(y_ref, 1e-6, 1e-6)) << what;
      }
    }
  }
}

// D = 4, theta = 16: frequencies 1 and 1/4. Position 2 rotates pair 0 by 2 rad and pair 1 by
// 0.5 rad; position 0 is the identity.
TEST(RopeCpuFused, HandCheckedRotation) {
  Tensor x = Tensor::FromVector({1, 1, 2, 4}, {1, 2, 3, 4, 1, 0, 0, 1});
  Tensor pos = Tensor::FromInts({2}, {0, 2});
  Tensor y = Tensor::Zeros({1, 1, 2, 4});
  ASSERT_TRUE(BackendKernel(RopeKernels(), "cpu_fused")(x, pos, 16.0f, false, &y).ok());
  std::vector<float> v = y.ToVector();
  const std::vector<double> want = {
      1, 2, 3, 4, std::cos(2.0), std::sin(2.0), -std::sin(0.5), std::cos(0.5)};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(v[i], want[i], 1e-6) << "element " << i;
  // The inverse undoes it.
  Tensor back = Tensor::Zeros({1, 1, 2, 4});
  ASSERT_TRUE(BackendKernel(RopeKernels(), "cpu_fused")(y, pos, 16.0f, true, &back).ok());
  EXPECT_THAT(back, IsClose(x, 1e-6, 1e-6)) << "inverse of the rotation";
}

TEST(RopeCpuFused, IsTheDefaultF32Kernel) {
  EXPECT_EQ(RopeKernels().Find(DeviceType::kCpu, DType::kF32)->backend, "cpu_fused");
  // bf16 stays with the reference.
  EXPECT_EQ(RopeKernels().Find(DeviceType::kCpu, DType::kBF16)->backend, "reference");
}

TEST(RopeCpuFused, BitwiseSameForAnyThreadCount) {
  // Large enough for the parallel split (>= 32768 elements).
  const Shape shape = {3, 5, 41, 66};
  Tensor x = Tensor::RandN(shape, 9), pos = Tensor::FromInts({41}, std::vector<int32_t>(41, 7));
  std::vector<int32_t> per_batch;
  for (int i = 0; i < 3 * 41; ++i) per_batch.push_back((i * 37) % 300 - 20);
  Tensor pos_b = Tensor::FromInts({3, 41}, per_batch);
  auto* fused = BackendKernel(RopeKernels(), "cpu_fused");
  const int saved = omp_get_max_threads();
  for (const Tensor* p : {&pos, &pos_b}) {
    omp_set_num_threads(1);
    Tensor want = Tensor::Zeros(shape);
    ASSERT_TRUE(fused(x, *p, 10000.0f, false, &want).ok());
    for (int threads : {2, 3, 1}) {
      omp_set_num_threads(threads);
      Tensor got = Tensor::Zeros(shape);
      ASSERT_TRUE(fused(x, *p, 10000.0f, false, &got).ok());
      std::vector<float> a = got.ToVector(), b = want.ToVector();
      EXPECT_EQ(std::memcmp(a.data(), b.data(), sizeof(float) * a.size()), 0)
          << threads << " threads";
    }
  }
  omp_set_num_threads(saved);
}

TEST(RopeCpuFused, GradientsThroughOps) {
  for (const Shape& shape : {Shape{2, 3, 5, 6}, Shape{1, 2, 3, 10}}) {
    Tensor pos = Tensor::FromInts({shape[0], shape[2]}, [&] {
      std::vector<int32_t> p;
      for (int64_t i = 0; i < shape[0] * shape[2]; ++i) p.push_back(static_cast<int32_t>(i % 7));
      return p;
    }());
    Tensor x = Tensor::RandN(shape, 3);
    EXPECT_TRUE(
        GradCheck([&](const std::vector<Tensor>& in) { return ops::Rope(in[0], pos, 50.0f); }, {x})
            .ok())
        << ShapeString(shape);
  }
}

}  // namespace
}  // namespace vlmlab
