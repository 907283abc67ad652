#include "kernels/cpu_attention/small_gemm.h"

#include <cstring>

namespace vlmlab::cpu_attention {
namespace {

// GCC vector extension: V8 is one AVX register in the AVX2 clone (two SSE registers in the
// baseline build); V16 one AVX-512 register, used only in the AVX-512 build.
typedef float V8 __attribute__((vector_size(32)));
typedef float V16 __attribute__((vector_size(64)));

// R rows x V vectors (of Vec's width) of columns of c, accumulated in registers over the k
// products, each element in the order l = 0, 1, ... (so every build adds the same products in
// the same order). Row r of the left operand is a[r * lda + l], or a[l * lda + r] when
// kTransA.
template <int R, int V, bool kTransA, typename Vec>
__attribute__((always_inline)) inline void Block(int64_t k, float alpha, const float* __restrict a,
                                                 int64_t lda, const float* __restrict b,
                                                 int64_t ldb, bool accumulate, float* __restrict c,
                                                 int64_t ldc) {
  constexpr int W = sizeof(Vec) / sizeof(float);
  Vec acc[R][V] = {};
  for (int64_t l = 0; l < k; ++l) {
    Vec bv[V];
#pragma GCC unroll 4
    for (int u = 0; u < V; ++u) std::memcpy(&bv[u], b + l * ldb + W * u, sizeof(Vec));
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const float x = kTransA ? a[l * lda + r] : a[r * lda + l];
#pragma GCC unroll 4
      for (int u = 0; u < V; ++u) acc[r][u] += x * bv[u];
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (int u = 0; u < V; ++u) {
      Vec y = alpha * acc[r][u];
      float* out = c + r * ldc + W * u;
      if (accumulate) {
        Vec old;
        std::memcpy(&old, out, sizeof old);
        y += old;
      }
      std::memcpy(out, &y, sizeof y);
    }
  }
}

// Every row of c for the V vectors of columns at b and c: R rows at a time (as many as the
// registers hold with V accumulators each, the V row vectors of b and a broadcast: 16 AVX or
// 32 AVX-512 registers), then single rows.
template <int V, bool kTransA, typename Vec>
__attribute__((always_inline)) inline void Columns(int64_t m, int64_t k, float alpha,
                                                   const float* a, int64_t lda, const float* b,
                                                   int64_t ldb, bool accumulate, float* c,
                                                   int64_t ldc) {
  constexpr bool kWide = sizeof(Vec) == 64;
  constexpr int R = kWide ? (V == 2 ? 8 : 16) : (V == 4 ? 3 : V == 3 ? 4 : V == 2 ? 6 : 8);
  // Where row r of a starts: rows are columns of the stored matrix when transposed.
  const auto row = [&](int64_t r) { return kTransA ? a + r : a + r * lda; };
  int64_t r = 0;
  for (; r + R <= m; r += R) {
    Block<R, V, kTransA, Vec>(k, alpha, row(r), lda, b, ldb, accumulate, c + r * ldc, ldc);
  }
  for (; r < m; ++r) {
    Block<1, V, kTransA, Vec>(k, alpha, row(r), lda, b, ldb, accumulate, c + r * ldc, ldc);
  }
}

// AVX2 (and baseline) build: blocks of 32 columns, a narrower block for the last 8 to 24.
template <bool kTransA>
__attribute__((always_inline)) inline void Gemm(int64_t m, int64_t n, int64_t k, float alpha,
                                                const float* a, int64_t lda, const float* b,
                                                int64_t ldb, bool accumulate, float* c,
                                                int64_t ldc) {
  const int64_t padded = PaddedCols(n);
  int64_t j0 = 0;
  for (; j0 + 32 <= padded; j0 += 32) {
    Columns<4, kTransA, V8>(m, k, alpha, a, lda, b + j0, ldb, accumulate, c + j0, ldc);
  }
  switch ((padded - j0) / 8) {
    case 3:
      Columns<3, kTransA, V8>(m, k, alpha, a, lda, b + j0, ldb, accumulate, c + j0, ldc);
      break;
    case 2:
      Columns<2, kTransA, V8>(m, k, alpha, a, lda, b + j0, ldb, accumulate, c + j0, ldc);
      break;
    case 1:
      Columns<1, kTransA, V8>(m, k, alpha, a, lda, b + j0, ldb, accumulate, c + j0, ldc);
      break;
    default:
      break;
  }
}

// AVX-512 build: blocks of 32 columns in two 16-wide registers, 8 rows at a time (tiles are 16 query rows),
// then 16 and 8 for the rest.
template <bool kTransA>
__attribute__((target("avx512f,avx512vl,avx2,fma"))) void GemmAvx512(
    int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda, const float* b,
    int64_t ldb, bool accumulate, float* c, int64_t ldc) {
  const int64_t padded = PaddedCols(n);
  int64_t j0 = 0;
  for (; j0 + 32 <= padded; j0 += 32) {
    Columns<2, kTransA, V16>(m, k, alpha, a, lda, b + j0, ldb, accumulate, c + j0, ldc);
  }
  if (j0 + 16 <= padded) {
    Columns<1, kTransA, V16>(m, k, alpha, a, lda, b + j0, ldb, accumulate, c + j0, ldc);
    j0 += 16;
  }
  if (j0 < padded) {
    Columns<1, kTransA, V8>(m, k, alpha, a, lda, b + j0, ldb, accumulate, c + j0, ldc);
  }
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define VLMLAB_GEMM_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define VLMLAB_GEMM_CLONES
#endif

VLMLAB_GEMM_CLONES
void SmallGemmAvx2(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                   const float* b, int64_t ldb, bool accumulate, float* c, int64_t ldc) {
  Gemm<false>(m, n, k, alpha, a, lda, b, ldb, accumulate, c, ldc);
}

VLMLAB_GEMM_CLONES
void SmallGemmTransAAvx2(int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                         int64_t lda, const float* b, int64_t ldb, bool accumulate, float* c,
                         int64_t ldc) {
  Gemm<true>(m, n, k, alpha, a, lda, b, ldb, accumulate, c, ldc);
}

bool UseAvx512() {
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  return has && !ForceAvx2SmallGemm();
#else
  return false;
#endif
}

}  // namespace

bool& ForceAvx2SmallGemm() {
  static bool force = false;
  return force;
}

void SmallGemm(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
               const float* b, int64_t ldb, bool accumulate, float* c, int64_t ldc) {
  if (UseAvx512()) return GemmAvx512<false>(m, n, k, alpha, a, lda, b, ldb, accumulate, c, ldc);
  SmallGemmAvx2(m, n, k, alpha, a, lda, b, ldb, accumulate, c, ldc);
}

void SmallGemmTransA(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                     const float* b, int64_t ldb, bool accumulate, float* c, int64_t ldc) {
  if (UseAvx512()) return GemmAvx512<true>(m, n, k, alpha, a, lda, b, ldb, accumulate, c, ldc);
  SmallGemmTransAAvx2(m, n, k, alpha, a, lda, b, ldb, accumulate, c, ldc);
}

}  // namespace vlmlab::cpu_attention
