// The fused optimizer passes against the reference: bit for bit, at 1 and 2 threads, over
// tensors whose sizes cross chunk and vector boundaries.
#include <omp.h>

#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/api/optimizer_update.h"
#include "kernels/cpu_fused/fused_testing.h"

namespace vlmlab {
namespace {

std::vector<Tensor> Tensors(const std::vector<int64_t>& sizes, uint64_t seed) {
  std::vector<Tensor> out;
  for (int64_t n : sizes) out.push_back(Tensor::RandN({n}, seed++));
  return out;
}

const std::vector<int64_t> kSizes = {1, 7, 8, 9, kSquaredNormChunk - 1, kSquaredNormChunk + 13,
                                     3 * kSquaredNormChunk, 100003};

TEST(SquaredNormCpuFused, EqualsTheReferenceBitForBitAtAnyThreadCount) {
  std::vector<Tensor> xs = Tensors(kSizes, 1);
  double want = 0;
  ASSERT_TRUE(BackendKernel(SquaredNormKernels(), "reference")(xs, &want).ok());
  double naive = 0;  // sanity check of the reference itself, in long double
  long double acc = 0;
  for (const Tensor& x : xs) {
    for (float v : x.ToVector()) acc += static_cast<long double>(v) * v;
  }
  naive = static_cast<double>(acc);
  EXPECT_NEAR(want, naive, 1e-12 * naive);
  for (int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    double got = -1;
    ASSERT_TRUE(BackendKernel(SquaredNormKernels(), "cpu_fused")(xs, &got).ok());
    EXPECT_EQ(got, want) << threads << " threads";
  }
  double empty = -1;
  ASSERT_TRUE(BackendKernel(SquaredNormKernels(), "cpu_fused")({}, &empty).ok());
  EXPECT_EQ(empty, 0);
}

struct AdamWState {
  std::vector<Tensor> p, g, m, v;
  std::vector<AdamWParam> Params() const {
    std::vector<AdamWParam> out;
    for (size_t i = 0; i < p.size(); ++i) {
      AdamWParam a{p[i], g[i], m[i], v[i]};
      a.decay = 1.0f - 1e-3f * 0.01f * (i % 2);  // half the tensors without weight decay
      a.step_size = 1e-3f / (1.0f - 0.9f);
      a.inv_sqrt_bc2 = 1.0f / std::sqrt(1.0f - 0.999f);
      out.push_back(a);
    }
    return out;
  }
  AdamWState Clone() const {
    AdamWState c;
    for (auto [from, to] : {std::pair{&p, &c.p}, {&g, &c.g}, {&m, &c.m}, {&v, &c.v}}) {
      for (const Tensor& t : *from) to->push_back(Tensor::FromVector(t.shape(), t.ToVector()));
    }
    return c;
  }
};

TEST(AdamWCpuFused, EqualsTheReferenceBitForBitAtAnyThreadCount) {
  AdamWState s{Tensors(kSizes, 10), Tensors(kSizes, 20), Tensors(kSizes, 30), {}};
  for (const Tensor& m : s.m) {  // second moments are non-negative
    std::vector<float> v = m.ToVector();
    for (float& x : v) x = x * x;
    s.v.push_back(Tensor::FromVector(m.shape(), v));
  }
  AdamWConstants c;
  c.grad_scale = 0.37f;
  AdamWState want = s.Clone();
  ASSERT_TRUE(BackendKernel(AdamWKernels(), "reference")(want.Params(), c).ok());
  for (int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    AdamWState got = s.Clone();
    ASSERT_TRUE(BackendKernel(AdamWKernels(), "cpu_fused")(got.Params(), c).ok());
    for (size_t i = 0; i < s.p.size(); ++i) {
      EXPECT_EQ(got.p[i].ToVector(), want.p[i].ToVector()) << "param " << i << ", " << threads;
      EXPECT_EQ(got.m[i].ToVector(), want.m[i].ToVector()) << "exp_avg " << i;
      EXPECT_EQ(got.v[i].ToVector(), want.v[i].ToVector()) << "exp_avg_sq " << i;
    }
  }
  // The update moved the parameters (the test would pass on a no-op otherwise).
  EXPECT_NE(want.p[0].ToVector(), s.p[0].ToVector());
}

}  // namespace
}  // namespace vlmlab
