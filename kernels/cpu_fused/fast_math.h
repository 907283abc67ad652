// Vector building blocks of the cpu_fused kernels: GCC vector types (one AVX register in the
// AVX2/FMA clones, two SSE registers in the baseline build), a vectorised exp, row loops with
// blocked float -> double accumulation, and a deterministic OpenMP row split.
//
//   VLMLAB_CPU_FUSED_CLONES  // AVX2/FMA and baseline builds of a row loop, chosen at run time
//   void ScaleRows(float* y, int64_t c, int64_t r0, int64_t r1) {
//     for (int64_t r = r0; r < r1; ++r) {
//       float* row = y + r * c;
//       const std::array<double, 1> sum = RowSums<1>(c, [&](int64_t j, int lanes)
//           VLMLAB_FUSED_INLINE { return std::array<V8, 1>{LoadN(row + j, lanes, 0.0f)}; });
//       MapRow(c, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
//         StoreN(row + j, lanes, LoadN(row + j, lanes, 0.0f) * static_cast<float>(1 / sum[0]));
//       });
//     }
//   }
//   ParallelRows(rows, c, [&](int64_t r0, int64_t r1) { ScaleRows(y, c, r0, r1); });
//
// Everything here is in a fixed order: a row's result depends only on the row (and on which
// clone the CPU selects), never on the thread count or on how rows are split.
// Only for the cpu_fused kernels (the package builds with -fno-trapping-math and -fopenmp).
#ifndef VLMLAB_KERNELS_CPU_FUSED_FAST_MATH_H_
#define VLMLAB_KERNELS_CPU_FUSED_FAST_MATH_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>

// The vector helpers are always inlined, so the note that 32-byte vector arguments change the
// ABI without AVX does not apply.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

namespace vlmlab::cpu_fused {

// -DVLMLAB_CPU_FUSED_NO_CLONES builds only the baseline version, e.g. to test it on an AVX2
// machine (the tests pass both ways):
//   bazel test //kernels/cpu_fused/...
//       --per_file_copt='kernels/cpu_fused/.*[.]cc@-DVLMLAB_CPU_FUSED_NO_CLONES'
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    !defined(VLMLAB_CPU_FUSED_NO_CLONES)
#define VLMLAB_CPU_FUSED_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define VLMLAB_CPU_FUSED_CLONES
#endif

// For helpers and lambdas of the row loops: inlined into each clone, so they are compiled for
// its instruction set.
#define VLMLAB_FUSED_INLINE __attribute__((always_inline))

typedef float V8 __attribute__((vector_size(32)));
typedef int32_t V8i __attribute__((vector_size(32)));
typedef double V4d __attribute__((vector_size(32)));

inline constexpr float kInf = std::numeric_limits<float>::infinity();

VLMLAB_FUSED_INLINE inline V8 Splat(float x) { return V8{} + x; }

VLMLAB_FUSED_INLINE inline V8 Load(const float* p) {
  V8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

VLMLAB_FUSED_INLINE inline void Store(float* p, V8 v) { std::memcpy(p, &v, sizeof v); }

// Lanes [0, lanes) from p, `fill` in the others; reads only `lanes` floats (1 <= lanes <= 8).
VLMLAB_FUSED_INLINE inline V8 LoadN(const float* p, int lanes, float fill) {
  if (lanes == 8) return Load(p);
  V8 v = Splat(fill);
  std::memcpy(&v, p, sizeof(float) * lanes);
  return v;
}

// Writes lanes [0, lanes) of v to p.
VLMLAB_FUSED_INLINE inline void StoreN(float* p, int lanes, V8 v) {
  if (lanes == 8) {
    Store(p, v);
  } else {
    std::memcpy(p, &v, sizeof(float) * lanes);
  }
}

// v in lanes [0, lanes), 0 in the others.
VLMLAB_FUSED_INLINE inline V8 KeepLanes(V8 v, int lanes) {
  if (lanes == 8) return v;
  const V8i lane = {0, 1, 2, 3, 4, 5, 6, 7};
  return lane < lanes ? v : V8{};
}

// Lane-wise max as std::max(a, b): a NaN in b is ignored.
VLMLAB_FUSED_INLINE inline V8 Max(V8 a, V8 b) { return a < b ? b : a; }

VLMLAB_FUSED_INLINE inline float MaxLane(V8 v) {
  float m = v[0];
  for (int u = 1; u < 8; ++u) m = std::max(m, v[u]);
  return m;
}

// max_j x[j] over a row of n >= 1 columns (NaNs ignored, as std::max); exact, so the order
// does not matter.
VLMLAB_FUSED_INLINE inline float RowMax(const float* x, int64_t n) {
  V8 m[4] = {Splat(-kInf), Splat(-kInf), Splat(-kInf), Splat(-kInf)};
  int64_t j = 0;
  for (; j + 32 <= n; j += 32) {
    for (int u = 0; u < 4; ++u) m[u] = Max(m[u], Load(x + j + 8 * u));
  }
  for (; j + 8 <= n; j += 8) m[0] = Max(m[0], Load(x + j));
  if (j < n) m[1] = Max(m[1], LoadN(x + j, static_cast<int>(n - j), -kInf));
  return MaxLane(Max(Max(m[0], m[1]), Max(m[2], m[3])));
}

VLMLAB_FUSED_INLINE inline V4d Low(V8 v) {
  return __builtin_convertvector(__builtin_shufflevector(v, v, 0, 1, 2, 3), V4d);
}
VLMLAB_FUSED_INLINE inline V4d High(V8 v) {
  return __builtin_convertvector(__builtin_shufflevector(v, v, 4, 5, 6, 7), V4d);
}

// exp(x) lane-wise: Cody-Waite reduction x = n ln2 + r and the Cephes expf polynomial
// (about 1 ulp), times 2^n built in the exponent bits. x is first clamped to [-87.3, 88.8]
// (one max, one min; NaN passes through): below about -86.99 the scale's exponent field is 0,
// so the result is exactly 0 (exp < 2e-38 is flushed), and above 88.72 the product overflows
// to +inf. n comes from the round-to-nearest magic number 1.5 * 2^23 (+ 126), whose low
// mantissa bits are n + 126: shifted into the exponent field they give 2^(n-1), so the
// polynomial carries a factor 2 (exact) and n = 128 stays in range.
VLMLAB_FUSED_INLINE inline V8 Exp(V8 x) {
  const V8 lo = Splat(-87.3f), hi = Splat(88.8f);
  x = x < lo ? lo : x;  // vmaxps / vminps
  x = x > hi ? hi : x;
  constexpr float kMagic = 12582912.0f + 126.0f;
  const V8 t = x * 1.44269504f + kMagic;
  const V8 n = t - kMagic;  // round(x log2(e))
  const V8 r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
  V8 p = Splat(2 * 1.9875691500e-4f);
  p = p * r + 2 * 1.3981999507e-3f;
  p = p * r + 2 * 8.3334519073e-3f;
  p = p * r + 2 * 4.1665795894e-2f;
  p = p * r + 2 * 1.6666665459e-1f;
  p = p * r + 2 * 5.0000001201e-1f;
  p = p * (r * r) + (r + r) + 2.0f;                  // 2 e^r
  const V8i scale = reinterpret_cast<V8i>(t) << 23;  // 2^(n-1); 0 when n = -126
  return p * reinterpret_cast<V8>(scale);
}

// Columns per accumulation block: float lanes take at most this / 16 terms before they are
// added into double lanes.
inline constexpr int64_t kFlushColumns = 256;

// K sums over a row of n columns, of the vectors f(j, lanes) returns for the 8-column block
// at j (lanes is 8, except in a last partial block where f must read only `lanes` columns
// and return 0 in the other lanes). Sixteen float lanes per sum (two independent chains),
// added into double lanes every kFlushColumns columns, then combined in a fixed order.
template <int K, typename F>
VLMLAB_FUSED_INLINE inline std::array<double, K> RowSums(int64_t n, F&& f) {
  V8 a[K], b[K];
  V4d d[K];
  for (int k = 0; k < K; ++k) a[k] = b[k] = V8{}, d[k] = V4d{};
  auto flush = [&]() VLMLAB_FUSED_INLINE {
    for (int k = 0; k < K; ++k) {
      const V8 s = a[k] + b[k];
      d[k] += Low(s) + High(s);
      a[k] = b[k] = V8{};
    }
  };
  int64_t j = 0;
  while (j + 16 <= n) {
    const int64_t stop = std::min(n, j + kFlushColumns);
    for (; j + 16 <= stop; j += 16) {
      const std::array<V8, K> x = f(j, 8), y = f(j + 8, 8);
      for (int k = 0; k < K; ++k) a[k] += x[k], b[k] += y[k];
    }
    flush();
  }
  if (j + 8 <= n) {
    const std::array<V8, K> x = f(j, 8);
    for (int k = 0; k < K; ++k) a[k] += x[k];
    j += 8;
  }
  if (j < n) {
    const std::array<V8, K> y = f(j, static_cast<int>(n - j));
    for (int k = 0; k < K; ++k) b[k] += y[k];
  }
  flush();
  std::array<double, K> out;
  for (int k = 0; k < K; ++k) out[k] = (d[k][0] + d[k][1]) + (d[k][2] + d[k][3]);
  return out;
}

// f(j, lanes) for the 8-column blocks of a row of n columns (lanes < 8 only in the last).
template <typename F>
VLMLAB_FUSED_INLINE inline void MapRow(int64_t n, F&& f) {
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) f(j, 8);
  if (j < n) f(j, static_cast<int>(n - j));
}

// Elements per parallel task and the least work (in elements) worth waking threads for.
inline constexpr int64_t kTaskElements = 8192;
inline constexpr int64_t kParallelElements = 32768;

// fn(r0, r1) over [0, rows) in blocks of about kTaskElements, on the OpenMP threads of the
// calling thread (omp_get_max_threads(): OMP_NUM_THREADS, or what SetCpuThreads /
// omp_set_num_threads set on that thread) when rows * cols is large enough. Rows are
// independent, so the results do not depend on the split; blocks are handed out dynamically,
// which keeps the other threads busy when one is descheduled on a shared machine.
template <typename Fn>
void ParallelRows(int64_t rows, int64_t cols, Fn&& fn) {
  const int64_t block = std::max<int64_t>(1, kTaskElements / std::max<int64_t>(cols, 1));
  const int64_t tasks = (rows + block - 1) / block;
#pragma omp parallel for schedule(dynamic) if (tasks > 1 && rows * cols >= kParallelElements)
  for (int64_t t = 0; t < tasks; ++t) fn(t * block, std::min(rows, (t + 1) * block));
}

}  // namespace vlmlab::cpu_fused

#pragma GCC diagnostic pop

#endif  // VLMLAB_KERNELS_CPU_FUSED_FAST_MATH_H_
