// Matmul precision for mixed-precision training: with kBF16, f32 matmuls and convolutions
// (forward and backward) round their inputs to bf16 and accumulate in f32, when the device has
// fast bf16 kernels (on CPUs with avx512_bf16 through oneDNN); otherwise they stay f32.
// Parameters, activations and gradients remain f32 ("master weights").
//
//   ScopedMatmulPrecision bf16(MatmulPrecision::kBF16);
//   Tensor y = ops::Linear(x, w).value();   // bf16 x bf16 -> f32
#ifndef VLMLAB_PLATFORM_OPS_PRECISION_H_
#define VLMLAB_PLATFORM_OPS_PRECISION_H_

#include <atomic>

namespace vlmlab::ops {

enum class MatmulPrecision { kF32, kBF16 };

inline std::atomic<MatmulPrecision>& MatmulPrecisionSetting() {
  static std::atomic<MatmulPrecision> setting{MatmulPrecision::kF32};
  return setting;
}
inline MatmulPrecision GetMatmulPrecision() { return MatmulPrecisionSetting().load(); }
inline void SetMatmulPrecision(MatmulPrecision p) { MatmulPrecisionSetting().store(p); }

class ScopedMatmulPrecision {
 public:
  explicit ScopedMatmulPrecision(MatmulPrecision p) : previous_(GetMatmulPrecision()) {
    SetMatmulPrecision(p);
  }
  ~ScopedMatmulPrecision() { SetMatmulPrecision(previous_); }

 private:
  MatmulPrecision previous_;
};

}  // namespace vlmlab::ops

#endif  // VLMLAB_PLATFORM_OPS_PRECISION_H_
