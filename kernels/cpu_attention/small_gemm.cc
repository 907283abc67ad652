#include "kernels/cpu_attention/small_gemm.h"

#include <cstring>

namespace vlmlab::cpu_attention {
namespace {

// GCC vector extension: one AVX register in the AVX2 clone, two SSE registers otherwise.
typedef float V8 __attribute__((vector_size(32)));

// R rows x V vectors of 8 columns of c, accumulated in registers over the k products. Row r of
// the left operand is a[r * lda + l], or a[l * lda + r] when kTransA.
template <int R, int V, bool kTransA>
__attribute__((always_inline)) inline void Block(int64_t k, float alpha, const float* __restrict a,
                                                 int64_t lda, const float* __restrict b,
                                                 int64_t ldb, bool accumulate, float* __restrict c,
                                                 int64_t ldc) {
  V8 acc[R][V] = {};
  for (int64_t l = 0; l < k; ++l) {
    V8 bv[V];
#pragma GCC unroll 4
    for (int u = 0; u < V; ++u) std::memcpy(&bv[u], b + l * ldb + 8 * u, sizeof(V8));
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const float x = kTransA ? a[l * lda + r] : a[r * lda + l];
#pragma GCC unroll 4
      for (int u = 0; u < V; ++u) acc[r][u] += x * bv[u];
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (int u = 0; u < V; ++u) {
      V8 y = alpha * acc[r][u];
      float* out = c + r * ldc + 8 * u;
      if (accumulate) {
        V8 old;
        std::memcpy(&old, out, sizeof old);
        y += old;
      }
      std::memcpy(out, &y, sizeof y);
    }
  }
}

// Every row of c for the 8 V columns at b and c: R rows at a time (as many as the 16 AVX
// registers hold with V accumulators each and the V row vectors of b), then single rows.
template <int V, bool kTransA>
__attribute__((always_inline)) inline void Columns(int64_t m, int64_t k, float alpha,
                                                   const float* a, int64_t lda, const float* b,
                                                   int64_t ldb, bool accumulate, float* c,
                                                   int64_t ldc) {
  constexpr int R = V == 4 ? 3 : V == 3 ? 4 : V == 2 ? 6 : 8;
  // Where row r of a starts: rows are columns of the stored matrix when transposed.
  const auto row = [&](int64_t r) { return kTransA ? a + r : a + r * lda; };
  int64_t r = 0;
  for (; r + R <= m; r += R) {
    Block<R, V, kTransA>(k, alpha, row(r), lda, b, ldb, accumulate, c + r * ldc, ldc);
  }
  for (; r < m; ++r) Block<1, V, kTransA>(k, alpha, row(r), lda, b, ldb, accumulate, c + r * ldc, ldc);
}

template <bool kTransA>
__attribute__((always_inline)) inline void Gemm(int64_t m, int64_t n, int64_t k, float alpha,
                                                const float* a, int64_t lda, const float* b,
                                                int64_t ldb, bool accumulate, float* c,
                                                int64_t ldc) {
  const int64_t padded = PaddedCols(n);
  int64_t j0 = 0;
  for (; j0 + 32 <= padded; j0 += 32) {
    Columns<4, kTransA>(m, k, alpha, a, lda, b + j0, ldb, accumulate, c + j0, ldc);
  }
  switch ((padded - j0) / 8) {
    case 3:
      Columns<3, kTransA>(m, k, alpha, a, lda, b + j0, ldb, accumulate, c + j0, ldc);
      break;
    case 2:
      Columns<2, kTransA>(m, k, alpha, a, lda, b + j0, ldb, accumulate, c + j0, ldc);
      break;
    case 1:
      Columns<1, kTransA>(m, k, alpha, a, lda, b + j0, ldb, accumulate, c + j0, ldc);
      break;
    default:
      break;
  }
}

}  // namespace

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define VLMLAB_GEMM_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define VLMLAB_GEMM_CLONES
#endif

VLMLAB_GEMM_CLONES
void SmallGemm(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
               const float* b, int64_t ldb, bool accumulate, float* c, int64_t ldc) {
  Gemm<false>(m, n, k, alpha, a, lda, b, ldb, accumulate, c, ldc);
}

VLMLAB_GEMM_CLONES
void SmallGemmTransA(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                     const float* b, int64_t ldb, bool accumulate, float* c, int64_t ldc) {
  Gemm<true>(m, n, k, alpha, a, lda, b, ldb, accumulate, c, ldc);
}

}  // namespace vlmlab::cpu_attention
