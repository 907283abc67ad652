// The onednn convolution kernels against the reference kernels: forward with and without a
// bias, backward data, backward weights (with and without the bias gradient), over strides,
// paddings, kernel sizes, odd image sizes and channel counts; thread counts; no fallbacks.
//
//   bazel test //kernels/cpu:conv_onednn_test
//
// Tolerance: |got - want| <= 1e-4 * (|want| + sqrt(taps)) where taps is the length of the dot
// products (inputs are N(0, 1); the reference accumulates in double).
#include <cmath>

#include "gtest/gtest.h"
#include "kernels/api/conv.h"
#include "kernels/cpu/onednn_common.h"
#include "kernels/cpu/threads.h"
#include "platform/testing/matchers.h"

namespace vlmlab {
namespace {

struct Case {
  int64_t n, h, w, cin, cout, k, stride, pad;
};

const Case kCases[] = {
    {2, 8, 8, 3, 16, 3, 1, 1},   {3, 9, 7, 5, 6, 3, 2, 1},  {2, 16, 16, 8, 16, 3, 2, 1},
    {1, 5, 5, 2, 3, 2, 2, 0},    {2, 6, 10, 4, 8, 1, 1, 0}, {1, 12, 12, 32, 32, 3, 1, 1},
    {4, 16, 16, 3, 32, 3, 2, 1}, {1, 7, 7, 16, 8, 5, 1, 2}, {2, 4, 4, 1, 1, 3, 1, 1}};

template <typename Table>
auto Impl(Table& table, const char* backend) {
  const auto* impl = table.FindBackend(backend, DType::kF32);
  CHECK(impl != nullptr) << backend << " " << table.op();
  return impl->fn;
}

void CompareCase(const Case& c, uint64_t seed) {
  SCOPED_TRACE(::testing::Message()
               << "n" << c.n << " " << c.h << "x" << c.w << " " << c.cin << "->" << c.cout << " k"
               << c.k << " s" << c.stride << " p" << c.pad << " threads " << CpuThreads());
  const Conv2dParams p{c.stride, c.pad};
  const int64_t oh = Conv2dOutputSize(c.h, c.k, p), ow = Conv2dOutputSize(c.w, c.k, p);
  Tensor x = Tensor::RandN({c.n, c.h, c.w, c.cin}, seed);
  Tensor w = Tensor::RandN({c.cout, c.cin, c.k, c.k}, seed + 1);
  Tensor b = Tensor::RandN({c.cout}, seed + 2);
  Tensor gy = Tensor::RandN({c.n, oh, ow, c.cout}, seed + 3);
  const double fwd_tol = 1e-4 * std::sqrt(static_cast<double>(c.cin * c.k * c.k));
  const double bwd_tol = 1e-4 * std::sqrt(static_cast<double>(c.n * oh * ow * c.cout));
  for (bool bias : {false, true}) {
    Tensor got = Tensor::Zeros({c.n, oh, ow, c.cout}), want = Tensor::Zeros(got.shape());
    Tensor bb = bias ? b : Tensor();
    ASSERT_TRUE(Impl(Conv2dKernels(), "onednn")(x, w, bb, p, &got).ok());
    ASSERT_TRUE(Impl(Conv2dKernels(), "reference")(x, w, bb, p, &want).ok());
    EXPECT_THAT(got, IsClose(want, fwd_tol, 1e-4)) << "forward, bias " << bias;

    Tensor gw = Tensor::Zeros(w.shape()), gw_ref = Tensor::Zeros(w.shape());
    Tensor gb = Tensor::Zeros(b.shape()), gb_ref = Tensor::Zeros(b.shape());
    ASSERT_TRUE(
        Impl(Conv2dBackwardWeightsKernels(), "onednn")(x, gy, p, &gw, bias ? &gb : nullptr).ok());
    ASSERT_TRUE(Impl(Conv2dBackwardWeightsKernels(), "reference")(x, gy, p, &gw_ref,
                                                                  bias ? &gb_ref : nullptr)
                    .ok());
    EXPECT_THAT(gw, IsClose(gw_ref, bwd_tol, 1e-4)) << "weights gradient, bias " << bias;
    EXPECT_THAT(gb, IsClose(gb_ref, bwd_tol, 1e-4)) << "bias gradient";
  }
  Tensor gx = Tensor::Zeros(x.shape()), gx_ref = Tensor::Zeros(x.shape());
  ASSERT_TRUE(Impl(Conv2dBackwardDataKernels(), "onednn")(gy, w, p, &gx).ok());
  ASSERT_TRUE(Impl(Conv2dBackwardDataKernels(), "reference")(gy, w, p, &gx_ref).ok());
  EXPECT_THAT(gx, IsClose(gx_ref, fwd_tol * std::sqrt(static_cast<double>(c.cout)), 1e-4))
      << "data gradient";
}

TEST(ConvOnednn, MatchesReference) {
  const int64_t fallbacks = cpu::FallbackCount().load();
  uint64_t seed = 1;
  for (int threads : {1, 2}) {
    SetCpuThreads(threads);
    for (const Case& c : kCases) CompareCase(c, seed += 10);
  }
  SetCpuThreads(0);
  EXPECT_EQ(cpu::FallbackCount().load(), fallbacks) << "oneDNN handed a case to the reference";
}

TEST(ConvOnednn, RepeatedCallsAreBitwiseIdentical) {
  const Case c{2, 16, 16, 8, 16, 3, 2, 1};
  const Conv2dParams p{c.stride, c.pad};
  Tensor x = Tensor::RandN({c.n, c.h, c.w, c.cin}, 1);
  Tensor w = Tensor::RandN({c.cout, c.cin, c.k, c.k}, 2);
  Tensor a = Tensor::Zeros({2, 8, 8, 16}), b = Tensor::Zeros({2, 8, 8, 16});
  ASSERT_TRUE(Impl(Conv2dKernels(), "onednn")(x, w, Tensor(), p, &a).ok());
  ASSERT_TRUE(Impl(Conv2dKernels(), "onednn")(x, w, Tensor(), p, &b).ok());
  EXPECT_THAT(a, IsClose(b, 0, 0));
}

// Training results must not depend on the thread count: every pass gives the same bits at 1
// and 2 threads, on the quickstart encoder's geometries (batch 16, 48 px, CONV3_STACK stem at
// width 48, then 3x3 blocks on the 6x6 grid).
TEST(ConvOnednn, SameBitsAtAnyThreadCount) {
  const Case cases[] = {{16, 48, 48, 3, 48, 3, 2, 1},
                        {16, 24, 24, 48, 48, 3, 2, 1},
                        {16, 12, 12, 48, 48, 3, 2, 1},
                        {16, 6, 6, 48, 48, 3, 1, 1},
                        {16, 48, 48, 3, 32, 8, 8, 0}};
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << c.h << "x" << c.w << " " << c.cin << "->" << c.cout << " k"
                                      << c.k << " s" << c.stride);
    const Conv2dParams p{c.stride, c.pad};
    const int64_t oh = Conv2dOutputSize(c.h, c.k, p), ow = Conv2dOutputSize(c.w, c.k, p);
    Tensor x = Tensor::RandN({c.n, c.h, c.w, c.cin}, 31);
    Tensor w = Tensor::RandN({c.cout, c.cin, c.k, c.k}, 32);
    Tensor b = Tensor::RandN({c.cout}, 33);
    Tensor gy = Tensor::RandN({c.n, oh, ow, c.cout}, 34);
    std::vector<Tensor> results[2];
    for (int threads : {1, 2}) {
      SetCpuThreads(threads);
      Tensor y = Tensor::Zeros({c.n, oh, ow, c.cout}), gx = Tensor::Zeros(x.shape());
      Tensor gw = Tensor::Zeros(w.shape()), gb = Tensor::Zeros(b.shape());
      ASSERT_TRUE(Impl(Conv2dKernels(), "onednn")(x, w, b, p, &y).ok());
      ASSERT_TRUE(Impl(Conv2dBackwardDataKernels(), "onednn")(gy, w, p, &gx).ok());
      ASSERT_TRUE(Impl(Conv2dBackwardWeightsKernels(), "onednn")(x, gy, p, &gw, &gb).ok());
      results[threads - 1] = {y, gx, gw, gb};
    }
    SetCpuThreads(0);
    const char* names[] = {"forward", "data gradient", "weights gradient", "bias gradient"};
    for (int i = 0; i < 4; ++i) {
      EXPECT_THAT(results[1][i], IsClose(results[0][i], 0, 0)) << names[i];
    }
  }
}

TEST(ConvOnednn, AnEmptyBatchHasZeroWeightGradients) {
  const Conv2dParams p{2, 1};
  Tensor x = Tensor::Zeros({0, 8, 8, 3}), gy = Tensor::Zeros({0, 4, 4, 4});
  Tensor gw = Tensor::Full({4, 3, 3, 3}, 7.0f), gb = Tensor::Full({4}, 7.0f);
  ASSERT_TRUE(Impl(Conv2dBackwardWeightsKernels(), "onednn")(x, gy, p, &gw, &gb).ok());
  EXPECT_THAT(gw, IsClose(Tensor::Zeros({4, 3, 3, 3}), 0, 0));
  EXPECT_THAT(gb, IsClose(Tensor::Zeros({4}), 0, 0));
}

}  // namespace
}  // namespace vlmlab
