// Fused f32 softmax / log-softmax (backend "cpu_fused", priority 10): one loop over rows, each
// row read for its max, then exponentiated and normalised while it is in cache. Sums in double.
#include <cmath>
#include <limits>

#include "kernels/api/softmax.h"

namespace vlmlab {
namespace {

absl::Status FusedSoftmax(SoftmaxKind kind, const Tensor& x, Tensor* y) {
  const int64_t c = x.size(-1);
  if (c == 0) return absl::OkStatus();
  const int64_t rows = x.numel() / c;
  const float* in = x.data<float>();
  float* out = y->data<float>();
  for (int64_t r = 0; r < rows; ++r, in += c, out += c) {
    float m = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < c; ++j) m = std::max(m, in[j]);
    if (std::isinf(m)) m = 0;  // all -inf (or +inf) rows: NaN, as in the reference
    double sum = 0;
    if (kind == SoftmaxKind::kSoftmax) {
      for (int64_t j = 0; j < c; ++j) {
        out[j] = std::exp(in[j] - m);
        sum += out[j];
      }
      const float inv = static_cast<float>(1 / sum);
      for (int64_t j = 0; j < c; ++j) out[j] *= inv;
    } else {
      for (int64_t j = 0; j < c; ++j) sum += std::exp(in[j] - m);
      const float shift = m + static_cast<float>(std::log(sum));
      for (int64_t j = 0; j < c; ++j) out[j] = in[j] - shift;
    }
  }
  return absl::OkStatus();
}

absl::Status FusedSoftmaxBackward(SoftmaxKind kind, const Tensor& y, const Tensor& gy, Tensor* gx) {
  const int64_t c = y.size(-1);
  if (c == 0) return absl::OkStatus();
  const int64_t rows = y.numel() / c;
  const float* yr = y.data<float>();
  const float* gr = gy.data<float>();
  float* out = gx->data<float>();
  for (int64_t r = 0; r < rows; ++r, yr += c, gr += c, out += c) {
    double acc = 0;
    if (kind == SoftmaxKind::kSoftmax) {
      for (int64_t j = 0; j < c; ++j) acc += gr[j] * yr[j];
      const float dot = static_cast<float>(acc);
      for (int64_t j = 0; j < c; ++j) out[j] = yr[j] * (gr[j] - dot);
    } else {
      for (int64_t j = 0; j < c; ++j) acc += gr[j];
      const float sum = static_cast<float>(acc);
      for (int64_t j = 0; j < c; ++j) out[j] = gr[j] - std::exp(yr[j]) * sum;
    }
  }
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(SoftmaxKernels, "cpu_fused", DeviceType::kCpu, 10, FusedSoftmax,
                       DType::kF32);
VLMLAB_REGISTER_KERNEL(SoftmaxBackwardKernels, "cpu_fused", DeviceType::kCpu, 10,
                       FusedSoftmaxBackward, DType::kF32);

}  // namespace
}  // namespace vlmlab
