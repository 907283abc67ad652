// fast_math.h in both builds the kernels use (baseline x86-64 and, where the CPU has it,
// x86-64-v3 = AVX2/FMA): Exp against the double-precision exp over its range and at the
// special values, and RowSums / MapRow on every tail length against plain double loops.
#include "kernels/cpu_fused/fast_math.h"

#include <cmath>
#include <limits>
#include <vector>

#include "gtest/gtest.h"

namespace vlmlab::cpu_fused {
namespace {

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define VLMLAB_TEST_V3 __attribute__((target("arch=x86-64-v3")))
constexpr bool kHaveV3Build = true;
#else
#define VLMLAB_TEST_V3
constexpr bool kHaveV3Build = false;
#endif

// y[i] = Exp(x[i]); n is a multiple of 8.
void ExpBaseline(const float* x, float* y, int64_t n) {
  for (int64_t j = 0; j < n; j += 8) Store(y + j, Exp(Load(x + j)));
}
VLMLAB_TEST_V3 void ExpV3(const float* x, float* y, int64_t n) {
  for (int64_t j = 0; j < n; j += 8) Store(y + j, Exp(Load(x + j)));
}

// {sum x, sum x^2} over x[0, n) with RowSums, and y = 2 x with MapRow.
std::array<double, 2> SumsBaseline(const float* x, float* y, int64_t n) {
  MapRow(n, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
    const V8 v = LoadN(x + j, lanes, 0.0f);
    StoreN(y + j, lanes, v * 2.0f);
  });
  return RowSums<2>(n, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
    const V8 v = LoadN(x + j, lanes, 0.0f);
    return std::array<V8, 2>{v, v * v};
  });
}
VLMLAB_TEST_V3 std::array<double, 2> SumsV3(const float* x, float* y, int64_t n) {
  MapRow(n, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
    const V8 v = LoadN(x + j, lanes, 0.0f);
    StoreN(y + j, lanes, v * 2.0f);
  });
  return RowSums<2>(n, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
    const V8 v = LoadN(x + j, lanes, 0.0f);
    return std::array<V8, 2>{v, v * v};
  });
}

struct Build {
  const char* name;
  void (*exp)(const float*, float*, int64_t);
  std::array<double, 2> (*sums)(const float*, float*, int64_t);
};

std::vector<Build> Builds() {
  std::vector<Build> builds = {{"baseline", ExpBaseline, SumsBaseline}};
  if (kHaveV3Build && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    builds.push_back({"x86-64-v3", ExpV3, SumsV3});
  }
  return builds;
}

TEST(FastMath, ExpIsWithinTwoUlpOverItsRange) {
  std::vector<float> x;
  for (double v = -86.9; v < 88.72; v += 0.00173) x.push_back(static_cast<float>(v));
  while (x.size() % 8 != 0) x.push_back(0.0f);
  std::vector<float> y(x.size());
  for (const Build& b : Builds()) {
    b.exp(x.data(), y.data(), x.size());
    double worst = 0;
    float worst_x = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double want = std::exp(double{x[i]});
      const double rel = std::abs(y[i] - want) / want;
      if (rel > worst) worst = rel, worst_x = x[i];
    }
    EXPECT_LT(worst, 2 * 5.97e-8) << b.name << ": worst at x = " << worst_x;
  }
}

TEST(FastMath, ExpSpecialValues) {
  const float inf = std::numeric_limits<float>::infinity();
  // Below about -86.99 exp is flushed to exactly 0; above 88.72 it is +inf.
  const std::vector<std::pair<float, float>> cases = {
      {-inf, 0.0f},           {-1e30f, 0.0f}, {-103.0f, 0.0f},
      {-87.5f, 0.0f},         {0.0f, 1.0f},   {-0.0f, 1.0f},
      {1.0f, std::exp(1.0f)}, {88.8f, inf},   {89.0f, inf},
      {1e30f, inf},           {inf, inf},     {std::nextafter(88.72284f, 100.0f), inf}};
  std::vector<float> x, y(16);
  for (const Build& b : Builds()) {
    for (const auto& [in, want] : cases) {
      x.assign(8, in);
      b.exp(x.data(), y.data(), 8);
      if (want == 0 || std::isinf(want)) {
        EXPECT_EQ(y[0], want) << b.name << ": exp(" << in << ")";
      } else {
        EXPECT_NEAR(y[0], want, 2e-7 * want) << b.name << ": exp(" << in << ")";
      }
    }
    x.assign(8, std::numeric_limits<float>::quiet_NaN());
    b.exp(x.data(), y.data(), 8);
    EXPECT_TRUE(std::isnan(y[0])) << b.name;
    x.assign(8, 88.72f);  // the largest finite results
    b.exp(x.data(), y.data(), 8);
    EXPECT_NEAR(y[0], std::exp(double{88.72f}), 2e-7 * std::exp(double{88.72f})) << b.name;
    x.assign(8, -86.9f);  // the smallest non-zero ones
    b.exp(x.data(), y.data(), 8);
    EXPECT_NEAR(y[0], std::exp(double{-86.9f}), 2e-7 * std::exp(double{-86.9f})) << b.name;
  }
}

TEST(FastMath, RowSumsAndMapRowCoverEveryTail) {
  for (const Build& b : Builds()) {
    for (int64_t n = 0; n <= 600; n += (n < 40 ? 1 : 37)) {
      std::vector<float> x(n), y(n, -1.0f);
      double want0 = 0, want1 = 0;
      for (int64_t i = 0; i < n; ++i) {
        x[i] = static_cast<float>(std::sin(0.7 * i) * 3 + 0.25);
        want0 += x[i];
        want1 += double{x[i]} * x[i];
      }
      // Guards after the row must survive the tail stores.
      std::vector<float> padded(x);
      padded.resize(n + 8, 123.0f);
      std::vector<float> out(n + 8, 123.0f);
      const std::array<double, 2> got = b.sums(padded.data(), out.data(), n);
      EXPECT_NEAR(got[0], want0, 1e-6 * (1 + std::abs(want0))) << b.name << " n=" << n;
      EXPECT_NEAR(got[1], want1, 1e-6 * want1 + 1e-12) << b.name << " n=" << n;
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(out[i], 2 * x[i]) << b.name << " n=" << n;
      for (int64_t i = n; i < n + 8; ++i) ASSERT_EQ(out[i], 123.0f) << b.name << " n=" << n;
    }
  }
}

}  // namespace
}  // namespace vlmlab::cpu_fused
