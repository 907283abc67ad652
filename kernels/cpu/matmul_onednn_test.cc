// The onednn matmul kernel against the reference kernel: odd sizes, every transpose, batched
// and shared b, beta = 1, bf16 inputs (when the CPU has avx512_bf16), errors.
//
//   bazel test //kernels/cpu:matmul_onednn_test
//
// Tolerances: f32 |got - want| <= 1e-4 * (|want| + sqrt(K)) (the reference accumulates in
// double; inputs are N(0, 1), so sqrt(K) is the scale of a dot product). bf16 inputs are the
// same bf16-rounded values for both kernels, so only accumulation differs: 1e-3 on that scale.
#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernels/api/matmul.h"
#include "kernels/cpu/onednn_common.h"
#include "kernels/cpu/threads.h"
#include "platform/testing/matchers.h"

namespace vlmlab {
namespace {

struct Case {
  Shape batch;
  int64_t m, k, n;
};

const Case kCases[] = {{{}, 1, 1, 1},     {{}, 7, 1, 7},       {{}, 37, 53, 29},
                       {{3}, 37, 53, 29}, {{3}, 1, 7, 1},      {{2, 3}, 5, 7, 9},
                       {{}, 64, 64, 64},  {{4}, 128, 64, 128}, {{}, 300, 257, 67}};

Shape Concat(Shape batch, int64_t r, int64_t c) {
  batch.push_back(r);
  batch.push_back(c);
  return batch;
}

// Runs `backend` on fresh copies of out_init.
Tensor Run(const char* backend, DType dtype, const Tensor& a, const Tensor& b,
           const MatmulParams& p, const Tensor& out_init) {
  const auto* impl = MatmulKernels().FindBackend(backend, dtype);
  CHECK(impl != nullptr) << backend;
  Tensor out = out_init.To(DType::kF32);  // a copy
  absl::Status s = impl->fn(a, b, p, &out);
  EXPECT_TRUE(s.ok()) << backend << ": " << s;
  return out;
}

void CompareAll(DType dtype, double tol) {
  const int64_t fallbacks = cpu::FallbackCount().load();
  uint64_t seed = 1;
  for (const Case& c : kCases) {
    for (bool ta : {false, true}) {
      for (bool tb : {false, true}) {
        for (bool shared : {false, true}) {
          if (shared && c.batch.empty()) continue;
          for (float beta : {0.0f, 1.0f}) {
            Shape as = Concat(c.batch, ta ? c.k : c.m, ta ? c.m : c.k);
            Shape bs = Concat(shared ? Shape{} : c.batch, tb ? c.n : c.k, tb ? c.k : c.n);
            Tensor a = Tensor::RandN(as, seed++, 1.0f, dtype);  // bf16: rounded once
            Tensor b = Tensor::RandN(bs, seed++, 1.0f, dtype);
            Tensor init = Tensor::RandN(Concat(c.batch, c.m, c.n), seed++);
            MatmulParams p{ta, tb, beta};
            Tensor want = Run("reference", dtype, a, b, p, init);
            Tensor got = Run("onednn", dtype, a, b, p, init);
            double scale = std::sqrt(static_cast<double>(c.k));
            EXPECT_THAT(got, IsClose(want, tol * scale, tol))
                << DTypeName(dtype) << " " << ShapeString(as) << (ta ? "^T" : "") << " x "
                << ShapeString(bs) << (tb ? "^T" : "") << " beta " << beta;
          }
        }
      }
    }
  }
  EXPECT_EQ(cpu::FallbackCount().load(), fallbacks) << "a case ran on the fallback kernel";
}

TEST(MatmulOnednn, IsRegisteredAndPreferred) {
  ASSERT_NE(MatmulKernels().FindBackend("onednn", DType::kF32), nullptr);
  EXPECT_EQ(MatmulKernels().Find(DeviceType::kCpu, DType::kF32)->backend, "onednn");
  // bf16 only with native bf16 dot products; otherwise ops fall back to f32 (precision.h).
  EXPECT_EQ(MatmulKernels().Supports("onednn", DeviceType::kCpu, DType::kBF16), CpuHasBf16());
}

TEST(MatmulOnednn, F32MatchesReference) { CompareAll(DType::kF32, 1e-4); }

TEST(MatmulOnednn, Bf16MatchesReferenceOnRoundedInputs) {
  if (!CpuHasBf16()) GTEST_SKIP() << "no avx512_bf16: the bf16 kernel is not registered";
  CompareAll(DType::kBF16, 1e-3);
}

TEST(MatmulOnednn, EmptyAndZeroK) {
  const auto* impl = MatmulKernels().FindBackend("onednn", DType::kF32);
  Tensor a = Tensor::Zeros({3, 0}), b = Tensor::Zeros({0, 4});
  Tensor out = Tensor::Full({3, 4}, 2.0f);
  ASSERT_TRUE(impl->fn(a, b, MatmulParams{false, false, 1.0f}, &out).ok());
  EXPECT_EQ(out.ToVector(), std::vector<float>(12, 2.0f));  // out = 0 + 1 * out
  ASSERT_TRUE(impl->fn(a, b, MatmulParams{}, &out).ok());
  EXPECT_EQ(out.ToVector(), std::vector<float>(12, 0.0f));
  Tensor empty = Tensor::Zeros({0, 4});
  EXPECT_TRUE(impl->fn(Tensor::Zeros({0, 5}), Tensor::Zeros({5, 4}), MatmulParams{}, &empty).ok());
}

TEST(MatmulOnednn, ErrorsNameShapes) {
  const auto* impl = MatmulKernels().FindBackend("onednn", DType::kF32);
  Tensor out = Tensor::Zeros({2, 4});
  absl::Status s = impl->fn(Tensor::Zeros({2, 3}), Tensor::Zeros({5, 4}), MatmulParams{}, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), ::testing::HasSubstr("f32[2, 3] cpu x f32[5, 4] cpu")) << s;
  Tensor out_bf16 = Tensor::Zeros({2, 4}, DType::kBF16);
  EXPECT_FALSE(
      impl->fn(Tensor::Zeros({2, 3}), Tensor::Zeros({3, 4}), MatmulParams{}, &out_bf16).ok());
}

}  // namespace
}  // namespace vlmlab
