// Reference fused cross-entropy: per-row log-sum-exp and NLL in double.
#include <cmath>
#include <limits>

#include "kernels/api/cross_entropy.h"
#include "kernels/reference/float_io.h"
#include "platform/base/status_macros.h"

namespace vlmlab {
namespace {

int64_t CountKept(const int32_t* t, int64_t n, int32_t ignore_index) {
  int64_t kept = 0;
  for (int64_t i = 0; i < n; ++i) kept += t[i] != ignore_index;
  return kept;
}

absl::Status CrossEntropy(const Tensor& logits, const Tensor& targets, const CrossEntropyParams& p,
                          Tensor* loss, Tensor* lse) {
  const int64_t n = targets.numel(), v = logits.size(-1);
  const int32_t* t = targets.data<int32_t>();
  VLMLAB_RETURN_IF_ERROR(CheckCrossEntropyTargets(t, n, v, p.ignore_index));
  std::vector<float> xv = LoadFloats(logits), lv(n, 0.0f), sv(n, 0.0f);
  const double s = p.label_smoothing;
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (t[i] == p.ignore_index) continue;
    const float* x = xv.data() + i * v;
    double m = -std::numeric_limits<double>::infinity(), sum = 0, sum_x = 0;
    for (int64_t j = 0; j < v; ++j) m = std::max(m, double{x[j]});
    for (int64_t j = 0; j < v; ++j) {
      sum += std::exp(x[j] - m);
      sum_x += x[j];
    }
    double row_lse = m + std::log(sum);
    double row = row_lse - (1 - s) * x[t[i]] - (s / v) * sum_x;
    sv[i] = static_cast<float>(row_lse);
    lv[i] = static_cast<float>(row);
    total += row;
  }
  StoreFloats(sv, lse);
  if (p.reduction == CrossEntropyReduction::kNone) {
    StoreFloats(lv, loss);
  } else {
    int64_t kept = CountKept(t, n, p.ignore_index);
    double out = p.reduction == CrossEntropyReduction::kSum ? total : kept > 0 ? total / kept : 0.0;
    StoreFloats({static_cast<float>(out)}, loss);
  }
  return absl::OkStatus();
}

absl::Status CrossEntropyBackward(const Tensor& logits, const Tensor& targets, const Tensor& lse,
                                  const Tensor& grad_loss, const CrossEntropyParams& p,
                                  Tensor* grad_logits) {
  const int64_t n = targets.numel(), v = logits.size(-1);
  const int32_t* t = targets.data<int32_t>();
  VLMLAB_RETURN_IF_ERROR(CheckCrossEntropyTargets(t, n, v, p.ignore_index));
  std::vector<float> xv = LoadFloats(logits), sv = LoadFloats(lse), gl = LoadFloats(grad_loss);
  std::vector<float> out(xv.size(), 0.0f);
  const bool none = p.reduction == CrossEntropyReduction::kNone;
  const int64_t kept = CountKept(t, n, p.ignore_index);
  const double scale = p.reduction == CrossEntropyReduction::kMean && kept > 0 ? 1.0 / kept : 1.0;
  const double s = p.label_smoothing;
  for (int64_t i = 0; i < n; ++i) {
    if (t[i] == p.ignore_index) continue;
    double g = (none ? gl[i] : gl[0]) * scale;
    for (int64_t j = 0; j < v; ++j) {
      double target = (j == t[i] ? 1 - s : 0.0) + s / v;
      out[i * v + j] = static_cast<float>(g * (std::exp(xv[i * v + j] - double{sv[i]}) - target));
    }
  }
  StoreFloats(out, grad_logits);
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(CrossEntropyKernels, "reference", DeviceType::kCpu, 0, CrossEntropy,
                       DType::kF32, DType::kBF16);
VLMLAB_REGISTER_KERNEL(CrossEntropyBackwardKernels, "reference", DeviceType::kCpu, 0,
                       CrossEntropyBackward, DType::kF32, DType::kBF16);

}  // namespace
}  // namespace vlmlab
