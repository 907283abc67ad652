#include "kernels/cpu_attention/small_gemm.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::cpu_attention {
namespace {

TEST(SmallGemm, MatchesPlainLoopsOnOddSizesWithAccumulation) {
  for (int64_t m : {1, 2, 3, 7, 16}) {
    for (int64_t n : {1, 31, 32, 45}) {
      for (int64_t k : {0, 1, 5, 64}) {
        const int64_t lda = k + 3, ldb = PaddedCols(n) + 32, ldc = PaddedCols(n);
        std::vector<float> a = Tensor::RandN({m, lda}, 1).ToVector();
        std::vector<float> b = Tensor::RandN({std::max<int64_t>(k, 1), ldb}, 2).ToVector();
        std::vector<float> c = Tensor::RandN({m, ldc}, 3).ToVector(), c0 = c;
        SmallGemm(m, n, k, 0.5f, a.data(), lda, b.data(), ldb, /*accumulate=*/true, c.data(), ldc);
        for (int64_t r = 0; r < m; ++r) {
          for (int64_t j = 0; j < n; ++j) {
            double want = 0;
            for (int64_t l = 0; l < k; ++l) want += double{a[r * lda + l]} * b[l * ldb + j];
            want = 0.5 * want + c0[r * ldc + j];
            ASSERT_NEAR(c[r * ldc + j], want, 1e-5 * (1 + std::abs(want)))
                << "m " << m << " n " << n << " k " << k << " at " << r << ", " << j;
          }
        }
      }
    }
  }
}

TEST(SmallGemmTransA, EqualsSmallGemmOnTheTransposedCopy) {
  for (int64_t m : {1, 2, 3, 7, 16}) {
    for (int64_t n : {1, 31, 45}) {
      for (int64_t k : {0, 1, 5, 16}) {
        const int64_t lda = m + 2, ldb = PaddedCols(n), ldc = PaddedCols(n);
        std::vector<float> at = Tensor::RandN({std::max<int64_t>(k, 1), lda}, 4).ToVector();
        std::vector<float> a(std::max<int64_t>(m * k, 1));  // [m, k]
        for (int64_t r = 0; r < m; ++r) {
          for (int64_t l = 0; l < k; ++l) a[r * k + l] = at[l * lda + r];
        }
        std::vector<float> b = Tensor::RandN({std::max<int64_t>(k, 1), ldb}, 5).ToVector();
        std::vector<float> c = Tensor::RandN({m, ldc}, 6).ToVector(), want = c;
        SmallGemmTransA(m, n, k, 0.25f, at.data(), lda, b.data(), ldb, true, c.data(), ldc);
        SmallGemm(m, n, k, 0.25f, a.data(), k, b.data(), ldb, true, want.data(), ldc);
        for (int64_t r = 0; r < m; ++r) {
          for (int64_t j = 0; j < n; ++j) {
            ASSERT_EQ(c[r * ldc + j], want[r * ldc + j]) << "m " << m << " n " << n << " k " << k;
          }
        }
      }
    }
  }
}

// Each element adds the same products in the same order in every build: the AVX-512 build
// (on a CPU with it) equals the AVX2 build bit for bit. Elsewhere both calls run the AVX2 build.
TEST(SmallGemm, Avx512AndAvx2BuildsGiveTheSameBits) {
  if (!__builtin_cpu_supports("avx512f")) GTEST_SKIP() << "no AVX-512 on this CPU";
  for (bool trans : {false, true}) {
    for (int64_t m : {1, 5, 12, 16, 29}) {
      for (int64_t n : {8, 24, 40, 64, 96}) {
        const int64_t k = 37, lda = trans ? m + 1 : k + 1, ldb = PaddedCols(n);
        std::vector<float> a = Tensor::RandN({trans ? k : m, lda}, 7).ToVector();
        std::vector<float> b = Tensor::RandN({k, ldb}, 8).ToVector();
        std::vector<float> wide = Tensor::RandN({m, ldb}, 9).ToVector(), narrow = wide;
        auto run = [&](std::vector<float>* c) {
          (trans ? SmallGemmTransA : SmallGemm)(m, n, k, 0.7f, a.data(), lda, b.data(), ldb, true,
                                                 c->data(), ldb);
        };
        run(&wide);
        ForceAvx2SmallGemm() = true;
        run(&narrow);
        ForceAvx2SmallGemm() = false;
        ASSERT_EQ(wide, narrow) << "trans " << trans << " m " << m << " n " << n;
      }
    }
  }
}

}  // namespace
}  // namespace vlmlab::cpu_attention
