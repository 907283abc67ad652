// Reference rotary position embedding: plain loops, angles and rotations in double.
#include <cmath>

#include "kernels/api/rope.h"
#include "kernels/reference/float_io.h"

namespace vlmlab {
namespace {

// x, y: [B, H, T, D]; positions: [T] or [B, T].
absl::Status Rope(const Tensor& x, const Tensor& positions, float theta, bool inverse, Tensor* y) {
  const int64_t b_n = x.size(0), h_n = x.size(1), t_n = x.size(2), d_n = x.size(3);
  const bool per_batch = positions.dim() == 2;
  std::vector<float> xv = LoadFloats(x), yv(xv.size());
  std::vector<int32_t> pos = positions.ToInts();
  const double sign = inverse ? -1.0 : 1.0;
  for (int64_t b = 0; b < b_n; ++b) {
    for (int64_t h = 0; h < h_n; ++h) {
      for (int64_t t = 0; t < t_n; ++t) {
        const double p = pos[per_batch ? b * t_n + t : t];
        const int64_t row = ((b * h_n + h) * t_n + t) * d_n;
        for (int64_t i = 0; i < d_n / 2; ++i) {
          double angle = sign * p * std::pow(static_cast<double>(theta), -2.0 * i / d_n);
          double c = std::cos(angle), s = std::sin(angle);
          double x1 = xv[row + 2 * i], x2 = xv[row + 2 * i + 1];
          yv[row + 2 * i] = static_cast<float>(x1 * c - x2 * s);
          yv[row + 2 * i + 1] = static_cast<float>(x1 * s + x2 * c);
        }
      }
    }
  }
  StoreFloats(yv, y);
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(RopeKernels, "reference", DeviceType::kCpu, 0, Rope, DType::kF32,
                       DType::kBF16);

}  // namespace
}  // namespace vlmlab
