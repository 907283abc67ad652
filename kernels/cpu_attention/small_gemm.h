// A register-blocked f32 micro-GEMM for the fused attention kernels: the score, value and
// gradient products of one tile of query rows. Built in AVX-512, AVX2/FMA and baseline
// versions, chosen at run time; each element adds its products in the order of k in every
// build (deterministic, and the AVX-512 and AVX2 builds give the same bits).
//
//   // c[r, j] = alpha * sum_l a[r * lda + l] * b[l * ldb + j]  (+ c[r, j] if accumulate)
//   // for r < m and j < PaddedCols(n): b and c need PaddedCols(n) columns (zero-padded b).
//   std::vector<float> b(k * PaddedCols(n)), c(m * PaddedCols(n));
//   SmallGemm(m, n, k, 1.0f, a.data(), k, b.data(), PaddedCols(n), false, c.data(),
//             PaddedCols(n));
//   SmallGemmTransA(m, n, k, 1.0f, at.data(), m, ...);  // at is a stored as [k, m]
#ifndef VLMLAB_KERNELS_CPU_ATTENTION_SMALL_GEMM_H_
#define VLMLAB_KERNELS_CPU_ATTENTION_SMALL_GEMM_H_

#include <cstdint>

namespace vlmlab::cpu_attention {

// Columns are padded to a multiple of one AVX vector; blocks of 32 columns (4 vectors) are
// the widest register block, a narrower one finishes the row.
inline constexpr int64_t kGemmCols = 8;
inline int64_t PaddedCols(int64_t n) { return (n + kGemmCols - 1) / kGemmCols * kGemmCols; }

void SmallGemm(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
               const float* b, int64_t ldb, bool accumulate, float* c, int64_t ldc);

// The same with the left operand stored transposed: c[r, j] = alpha * sum_l a[l * lda + r] *
// b[l * ldb + j] (a is [k, lda] with lda >= m). Used for dK = dS^T Q without a transposed copy.
void SmallGemmTransA(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                     const float* b, int64_t ldb, bool accumulate, float* c, int64_t ldc);

// Tests: set to true to run the AVX2 build on an AVX-512 CPU (not thread-safe; set it before
// calling the kernels).
bool& ForceAvx2SmallGemm();

}  // namespace vlmlab::cpu_attention

#endif  // VLMLAB_KERNELS_CPU_ATTENTION_SMALL_GEMM_H_
