// The onednn binary, unary (forward and backward) and sum_to kernels against the reference.
//
//   bazel test //kernels/cpu:elementwise_onednn_test
//
// Tolerances: binary f32 exact (both round one IEEE operation per element). Unary f32
// |got - want| <= 1e-5 + 1e-4 |want| (oneDNN's exp/log/tanh/erf are polynomial approximations;
// the reference uses double libm). sum_to f32 1e-5 * (|want| + sqrt(count)) (f32 vs double
// accumulation). bf16 (only with avx512_bf16): reference on the same bf16 inputs, outputs
// within about one bf16 rounding step, 1e-2 relative.
#include <cmath>

#include "gtest/gtest.h"
#include "kernels/api/elementwise.h"
#include "kernels/cpu/onednn_common.h"
#include "kernels/cpu/threads.h"
#include "platform/testing/matchers.h"

namespace vlmlab {
namespace {

std::vector<DType> TestedDtypes() {
  std::vector<DType> d = {DType::kF32};
  if (CpuHasBf16()) d.push_back(DType::kBF16);
  return d;
}

TEST(ElementwiseOnednn, RegisteredForEveryFamily) {
  for (DType dt : TestedDtypes()) {
    EXPECT_EQ(BinaryKernels().Find(DeviceType::kCpu, dt)->backend, "onednn");
    EXPECT_EQ(UnaryKernels().Find(DeviceType::kCpu, dt)->backend, "onednn");
    EXPECT_EQ(UnaryBackwardKernels().Find(DeviceType::kCpu, dt)->backend, "onednn");
    EXPECT_EQ(SumToKernels().Find(DeviceType::kCpu, dt)->backend, "onednn");
  }
}

TEST(ElementwiseOnednn, BinaryBroadcastingMatchesReference) {
  // (a, b): b broadcast, a broadcast (swapped or broadcast-first), both, rank 0, odd sizes.
  const std::pair<Shape, Shape> kShapes[] = {{{2, 3, 4}, {4}},
                                             {{4}, {2, 3, 4}},
                                             {{3, 1, 5}, {1, 4, 1}},
                                             {{7}, {7}},
                                             {{}, {2, 3}},
                                             {{2, 3}, {}},
                                             {{37, 53}, {37, 1}},
                                             {{37, 1}, {37, 53}},
                                             {{1}, {5}},
                                             {{16, 128, 256}, {256}},
                                             {{3, 4, 1, 6}, {5, 1}},
                                             {{1, 1, 1}, {1}}};
  const int64_t fallbacks = cpu::FallbackCount().load();
  uint64_t seed = 100;
  for (DType dt : TestedDtypes()) {
    for (const auto& [as, bs] : kShapes) {
      for (BinaryOp op : {BinaryOp::kAdd, BinaryOp::kSub, BinaryOp::kMul, BinaryOp::kDiv}) {
        Tensor a = Tensor::RandN(as, seed++, 2.0f, dt);
        Tensor b = op == BinaryOp::kDiv ? Tensor::RandUniform(bs, seed++, 0.5f, 2.0f, dt)
                                        : Tensor::RandN(bs, seed++, 2.0f, dt);
        Shape os = BroadcastShapes(as, bs).value();
        Tensor want = Tensor::Zeros(os, dt), got = Tensor::Zeros(os, dt);
        ASSERT_TRUE(BinaryKernels().FindBackend("reference", dt)->fn(op, a, b, &want).ok());
        absl::Status s = BinaryKernels().FindBackend("onednn", dt)->fn(op, a, b, &got);
        ASSERT_TRUE(s.ok()) << s;
        EXPECT_THAT(got, IsClose(want, 0, 0)) << DTypeName(dt) << " " << ShapeString(as) << " "
                                              << BinaryOpName(op) << " " << ShapeString(bs);
      }
    }
  }
  EXPECT_EQ(cpu::FallbackCount().load(), fallbacks) << "a case ran on the fallback kernel";
}

constexpr UnaryOp kUnaryOps[] = {
    UnaryOp::kScale,   UnaryOp::kAddScalar, UnaryOp::kGeluTanh, UnaryOp::kGeluErf, UnaryOp::kSilu,
    UnaryOp::kSigmoid, UnaryOp::kTanh,      UnaryOp::kRelu,     UnaryOp::kExp,     UnaryOp::kLog,
    UnaryOp::kSquare,  UnaryOp::kSqrt,      UnaryOp::kRsqrt};

bool NeedsPositive(UnaryOp op) {
  return op == UnaryOp::kLog || op == UnaryOp::kSqrt || op == UnaryOp::kRsqrt;
}

TEST(ElementwiseOnednn, EveryUnaryOpForwardAndBackwardMatchesReference) {
  const int64_t fallbacks = cpu::FallbackCount().load();
  uint64_t seed = 500;
  for (DType dt : TestedDtypes()) {
    const double rtol = dt == DType::kF32 ? 1e-4 : 1e-2, atol = dt == DType::kF32 ? 1e-5 : 1e-2;
    for (UnaryOp op : kUnaryOps) {
      for (const Shape& shape : {Shape{}, Shape{1}, Shape{7}, Shape{37, 53}, Shape{3, 1000}}) {
        float alpha = op == UnaryOp::kScale ? -0.37f : op == UnaryOp::kAddScalar ? 1.5f : 0.0f;
        Tensor x = NeedsPositive(op) ? Tensor::RandUniform(shape, seed++, 0.05f, 4.0f, dt)
                                     : Tensor::RandN(shape, seed++, 2.0f, dt);
        Tensor gy = Tensor::RandN(shape, seed++, 1.0f, dt);
        std::string what = absl::StrCat(DTypeName(dt), " ", UnaryOpName(op), ShapeString(shape));
        Tensor want = Tensor::Zeros(shape, dt), got = Tensor::Zeros(shape, dt);
        ASSERT_TRUE(UnaryKernels().FindBackend("reference", dt)->fn(op, alpha, x, &want).ok());
        absl::Status s = UnaryKernels().FindBackend("onednn", dt)->fn(op, alpha, x, &got);
        ASSERT_TRUE(s.ok()) << what << ": " << s;
        EXPECT_THAT(got, IsClose(want, atol, rtol)) << what << " forward";
        Tensor gwant = Tensor::Zeros(shape, dt), ggot = Tensor::Zeros(shape, dt);
        ASSERT_TRUE(
            UnaryBackwardKernels().FindBackend("reference", dt)->fn(op, alpha, x, gy, &gwant).ok());
        s = UnaryBackwardKernels().FindBackend("onednn", dt)->fn(op, alpha, x, gy, &ggot);
        ASSERT_TRUE(s.ok()) << what << " backward: " << s;
        EXPECT_THAT(ggot, IsClose(gwant, atol, rtol)) << what << " backward";
      }
    }
  }
  EXPECT_EQ(cpu::FallbackCount().load(), fallbacks) << "a case ran on the fallback kernel";
}

TEST(ElementwiseOnednn, SumToMatchesReference) {
  const std::pair<Shape, Shape> kShapes[] = {{{16, 12, 8}, {8}},   {{5, 7}, {5, 1}},
                                             {{5, 7}, {1, 7}},     {{2, 3, 4, 5}, {3, 1, 5}},
                                             {{3, 4}, {3, 4}},     {{37, 53, 29}, {}},
                                             {{1, 7}, {7}},        {{4, 1, 6}, {1, 1, 1}},
                                             {{2048, 688}, {688}}, {{37, 53, 29}, {37, 1, 29}},
                                             {{0, 3}, {3}},        {{1}, {}}};
  const int64_t fallbacks = cpu::FallbackCount().load();
  uint64_t seed = 900;
  for (DType dt : TestedDtypes()) {
    for (const auto& [xs, os] : kShapes) {
      Tensor x = Tensor::RandN(xs, seed++, 1.0f, dt);
      Tensor want = Tensor::Zeros(os, dt), got = Tensor::Full(os, 7.0f, dt);
      ASSERT_TRUE(SumToKernels().FindBackend("reference", dt)->fn(x, &want).ok());
      absl::Status s = SumToKernels().FindBackend("onednn", dt)->fn(x, &got);
      ASSERT_TRUE(s.ok()) << s;
      double count = static_cast<double>(NumElements(xs)) / std::max<int64_t>(1, NumElements(os));
      double tol = dt == DType::kF32 ? 1e-5 : 1e-2;
      EXPECT_THAT(got, IsClose(want, tol * std::sqrt(count), tol))
          << DTypeName(dt) << " " << ShapeString(xs) << " -> " << ShapeString(os);
    }
  }
  EXPECT_EQ(cpu::FallbackCount().load(), fallbacks) << "a case ran on the fallback kernel";
}

TEST(ElementwiseOnednn, RankOverTwelveFallsBackToReference) {
  Shape big(13, 1);
  big[12] = 3;
  Tensor a = Tensor::RandN(big, 1), b = Tensor::RandN({3}, 2);
  Tensor got = Tensor::Zeros(big), want = Tensor::Zeros(big);
  const int64_t fallbacks = cpu::FallbackCount().load();
  ASSERT_TRUE(
      BinaryKernels().FindBackend("onednn", DType::kF32)->fn(BinaryOp::kMul, a, b, &got).ok());
  ASSERT_TRUE(
      BinaryKernels().FindBackend("reference", DType::kF32)->fn(BinaryOp::kMul, a, b, &want).ok());
  EXPECT_EQ(cpu::FallbackCount().load(), fallbacks + 1);
  EXPECT_THAT(got, IsClose(want, 0, 0));
}

TEST(ElementwiseOnednn, SumToHandChecked) {
  Tensor x = Tensor::FromVector({2, 3}, {1, 2, 3, 10, 20, 30});
  Tensor cols = Tensor::Zeros({3}), rows = Tensor::Zeros({2, 1});
  ASSERT_TRUE(SumToKernels().FindBackend("onednn", DType::kF32)->fn(x, &cols).ok());
  ASSERT_TRUE(SumToKernels().FindBackend("onednn", DType::kF32)->fn(x, &rows).ok());
  EXPECT_EQ(cols.ToVector(), (std::vector<float>{11, 22, 33}));
  EXPECT_EQ(rows.ToVector(), (std::vector<float>{6, 60}));
}

}  // namespace
}  // namespace vlmlab
