// Fused f32 cross-entropy (backend "cpu_fused", priority 10): per row, one read for the max,
// one for the sum of exponentials and of logits (in double), then the loss; the backward
// writes each gradient row in one pass from the saved log-sum-exp.
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/api/cross_entropy.h"
#include "platform/tensor/status_macros.h"

namespace vlmlab {
namespace {

absl::Status FusedCrossEntropy(const Tensor& logits, const Tensor& targets,
                               const CrossEntropyParams& p, Tensor* loss, Tensor* lse) {
  const int64_t n = targets.numel(), v = logits.size(-1);
  const int32_t* t = targets.data<int32_t>();
  VLMLAB_RETURN_IF_ERROR(CheckCrossEntropyTargets(t, n, v, p.ignore_index));
  const bool none = p.reduction == CrossEntropyReduction::kNone;
  const double s = p.label_smoothing;
  float* lse_out = lse->data<float>();
  float* loss_out = loss->data<float>();
  double total = 0;
  int64_t kept = 0;
  const float* x = logits.data<float>();
  for (int64_t i = 0; i < n; ++i, x += v) {
    if (t[i] == p.ignore_index) {
      lse_out[i] = 0;
      if (none) loss_out[i] = 0;
      continue;
    }
    float m = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < v; ++j) m = std::max(m, x[j]);
    double sum = 0, sum_x = 0;
    for (int64_t j = 0; j < v; ++j) {
      sum += std::exp(x[j] - m);
      sum_x += x[j];
    }
    const double row_lse = m + std::log(sum);
    const double row = row_lse - (1 - s) * x[t[i]] - (s / v) * sum_x;
    lse_out[i] = static_cast<float>(row_lse);
    if (none) loss_out[i] = static_cast<float>(row);
    total += row;
    ++kept;
  }
  if (p.reduction == CrossEntropyReduction::kSum) loss_out[0] = static_cast<float>(total);
  if (p.reduction == CrossEntropyReduction::kMean) {
    loss_out[0] = kept > 0 ? static_cast<float>(total / kept) : 0.0f;
  }
  return absl::OkStatus();
}

absl::Status FusedCrossEntropyBackward(const Tensor& logits, const Tensor& targets,
                                       const Tensor& lse, const Tensor& grad_loss,
                                       const CrossEntropyParams& p, Tensor* grad_logits) {
  const int64_t n = targets.numel(), v = logits.size(-1);
  const int32_t* t = targets.data<int32_t>();
  VLMLAB_RETURN_IF_ERROR(CheckCrossEntropyTargets(t, n, v, p.ignore_index));
  int64_t kept = 0;
  for (int64_t i = 0; i < n; ++i) kept += t[i] != p.ignore_index;
  const bool none = p.reduction == CrossEntropyReduction::kNone;
  const float scale = p.reduction == CrossEntropyReduction::kMean && kept > 0 ? 1.0f / kept : 1.0f;
  const float smooth = p.label_smoothing / static_cast<float>(v);
  const float* gl = grad_loss.data<float>();
  const float* lse_in = lse.data<float>();
  const float* x = logits.data<float>();
  float* out = grad_logits->data<float>();
  for (int64_t i = 0; i < n; ++i, x += v, out += v) {
    if (t[i] == p.ignore_index) {
      std::memset(out, 0, sizeof(float) * v);
      continue;
    }
    const float g = (none ? gl[i] : gl[0]) * scale, row_lse = lse_in[i];
    for (int64_t j = 0; j < v; ++j) out[j] = g * (std::exp(x[j] - row_lse) - smooth);
    out[t[i]] -= g * (1 - p.label_smoothing);
  }
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(CrossEntropyKernels, "cpu_fused", DeviceType::kCpu, 10, FusedCrossEntropy,
                       DType::kF32);
VLMLAB_REGISTER_KERNEL(CrossEntropyBackwardKernels, "cpu_fused", DeviceType::kCpu, 10,
                       FusedCrossEntropyBackward, DType::kF32);

}  // namespace
}  // namespace vlmlab
