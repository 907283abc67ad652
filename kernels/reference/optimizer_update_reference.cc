// Reference optimizer passes: the arithmetic of kernels/api/optimizer_update.h, element by
// element on one thread.
#include <algorithm>
#include <cmath>

#include "kernels/api/optimizer_update.h"

namespace vlmlab {
namespace {

absl::Status SquaredNorm(const std::vector<Tensor>& xs, double* sum_sq) {
  double total = 0;
  for (const Tensor& x : xs) {
    const float* d = x.data<float>();
    const int64_t n = x.numel();
    for (int64_t c0 = 0; c0 < n; c0 += kSquaredNormChunk) {
      const int64_t c1 = std::min(n, c0 + kSquaredNormChunk);
      double lanes[8] = {};
      for (int64_t i = c0; i < c1; ++i) {
        lanes[(i - c0) % 8] += static_cast<double>(d[i]) * static_cast<double>(d[i]);
      }
      double chunk = 0;
      for (double l : lanes) chunk += l;
      total += chunk;
    }
  }
  *sum_sq = total;
  return absl::OkStatus();
}

absl::Status AdamW(const std::vector<AdamWParam>& params, const AdamWConstants& c) {
  const float c1 = c.one_minus_beta1, c2 = c.one_minus_beta2;
  for (const AdamWParam& a : params) {
    float* p = a.param.data<float>();
    const float* g = a.grad.data<float>();
    float* m = a.exp_avg.data<float>();
    float* v = a.exp_avg_sq.data<float>();
    for (int64_t i = 0, n = a.param.numel(); i < n; ++i) {
      const float gi = g[i] * c.grad_scale;
      m[i] = c.beta1 * m[i] + c1 * gi;
      v[i] = c.beta2 * v[i] + c2 * gi * gi;
      const float denom = std::sqrt(v[i]) * a.inv_sqrt_bc2 + c.eps;
      p[i] = p[i] * a.decay - a.step_size * m[i] / denom;
    }
  }
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(SquaredNormKernels, "reference", DeviceType::kCpu, 0, SquaredNorm,
                       DType::kF32);
VLMLAB_REGISTER_KERNEL(AdamWKernels, "reference", DeviceType::kCpu, 0, AdamW, DType::kF32);

}  // namespace
}  // namespace vlmlab
