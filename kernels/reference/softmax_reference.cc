// Reference softmax / log-softmax over the last axis: per-row loops in double.
#include <cmath>
#include <limits>

#include "kernels/api/softmax.h"
#include "kernels/reference/float_io.h"

namespace vlmlab {
namespace {

absl::Status Softmax(SoftmaxKind kind, const Tensor& x, Tensor* y) {
  const int64_t c = x.dim() == 0 ? 1 : x.size(-1);
  if (c == 0) return absl::OkStatus();
  std::vector<float> xv = LoadFloats(x), yv(xv.size());
  for (size_t r = 0; r < xv.size() / c; ++r) {
    const float* in = xv.data() + r * c;
    float* out = yv.data() + r * c;
    double m = -std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < c; ++j) m = std::max(m, double{in[j]});
    if (std::isinf(m)) m = 0;  // all -inf rows: no shift (the result is NaN, as in PyTorch)
    double sum = 0;
    for (int64_t j = 0; j < c; ++j) sum += std::exp(in[j] - m);
    double log_sum = std::log(sum);
    for (int64_t j = 0; j < c; ++j) {
      out[j] = static_cast<float>(kind == SoftmaxKind::kLog ? in[j] - m - log_sum
                                                            : std::exp(in[j] - m) / sum);
    }
  }
  StoreFloats(yv, y);
  return absl::OkStatus();
}

absl::Status SoftmaxBackward(SoftmaxKind kind, const Tensor& y, const Tensor& gy, Tensor* gx) {
  const int64_t c = y.dim() == 0 ? 1 : y.size(-1);
  if (c == 0) return absl::OkStatus();
  std::vector<float> yv = LoadFloats(y), gv = LoadFloats(gy), out(yv.size());
  for (size_t r = 0; r < yv.size() / c; ++r) {
    const float* yr = yv.data() + r * c;
    const float* gr = gv.data() + r * c;
    float* o = out.data() + r * c;
    double dot = 0;
    for (int64_t j = 0; j < c; ++j)
      dot += kind == SoftmaxKind::kLog ? gr[j] : double{gr[j]} * yr[j];
    for (int64_t j = 0; j < c; ++j) {
      o[j] = static_cast<float>(kind == SoftmaxKind::kLog ? gr[j] - std::exp(double{yr[j]}) * dot
                                                          : yr[j] * (gr[j] - dot));
    }
  }
  StoreFloats(out, gx);
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(SoftmaxKernels, "reference", DeviceType::kCpu, 0, Softmax, DType::kF32,
                       DType::kBF16);
VLMLAB_REGISTER_KERNEL(SoftmaxBackwardKernels, "reference", DeviceType::kCpu, 0, SoftmaxBackward,
                       DType::kF32, DType::kBF16);

}  // namespace
}  // namespace vlmlab
