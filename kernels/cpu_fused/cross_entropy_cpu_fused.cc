// Fused f32 cross-entropy (backend "cpu_fused", priority 10): per row, one read for the max,
// one for the sums of exponentials and of logits, then the loss; the backward writes each
// gradient row in one pass from the saved log-sum-exp. Vector loops (fast_math.h): sums in 16
// float lanes added into double every 256 columns, in a fixed order; rows split over OpenMP
// threads, the reduced loss summed over rows in row order (deterministic).
#include <array>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/api/cross_entropy.h"
#include "kernels/cpu_fused/fast_math.h"
#include "platform/base/status_macros.h"

namespace vlmlab {
namespace {

using cpu_fused::Exp;
using cpu_fused::KeepLanes;
using cpu_fused::kInf;
using cpu_fused::LoadN;
using cpu_fused::Splat;
using cpu_fused::StoreN;
using cpu_fused::V8;

struct ForwardArgs {
  const float* logits;
  const int32_t* targets;
  int64_t v;
  int32_t ignore_index;
  double smoothing;
  float* lse;        // [n]
  double* row_loss;  // [n]
};

// lse and loss of rows [r0, r1); ignored rows get lse 0 and loss 0.
VLMLAB_CPU_FUSED_CLONES
void CrossEntropyRows(const ForwardArgs& a, int64_t r0, int64_t r1) {
  const int64_t v = a.v;
  const double s = a.smoothing;
  for (int64_t i = r0; i < r1; ++i) {
    const int32_t t = a.targets[i];
    if (t == a.ignore_index) {
      a.lse[i] = 0;
      a.row_loss[i] = 0;
      continue;
    }
    const float* x = a.logits + i * v;
    const float m = cpu_fused::RowMax(x, v);
    const V8 mv = Splat(m);
    // sum_j exp(x_j - m) and sum_j x_j; padding lanes: exp(-inf) = 0, x masked to 0.
    const std::array<double, 2> sums =
        cpu_fused::RowSums<2>(v, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
          const V8 xv = LoadN(x + j, lanes, -kInf);
          return std::array<V8, 2>{Exp(xv - mv), KeepLanes(xv, lanes)};
        });
    const double row_lse = m + std::log(sums[0]);
    a.lse[i] = static_cast<float>(row_lse);
    a.row_loss[i] = row_lse - (1 - s) * x[t] - (s / v) * sums[1];
  }
}

absl::Status FusedCrossEntropy(const Tensor& logits, const Tensor& targets,
                               const CrossEntropyParams& p, Tensor* loss, Tensor* lse) {
  const int64_t n = targets.numel(), v = logits.size(-1);
  const int32_t* t = targets.data<int32_t>();
  VLMLAB_RETURN_IF_ERROR(CheckCrossEntropyTargets(t, n, v, p.ignore_index));
  std::vector<double> row_loss(n);
  ForwardArgs a;
  a.logits = logits.data<float>();
  a.targets = t;
  a.v = v;
  a.ignore_index = p.ignore_index;
  a.smoothing = p.label_smoothing;
  a.lse = lse->data<float>();
  a.row_loss = row_loss.data();
  cpu_fused::ParallelRows(n, v, [&](int64_t r0, int64_t r1) { CrossEntropyRows(a, r0, r1); });
  float* loss_out = loss->data<float>();
  if (p.reduction == CrossEntropyReduction::kNone) {
    for (int64_t i = 0; i < n; ++i) loss_out[i] = static_cast<float>(row_loss[i]);
    return absl::OkStatus();
  }
  double total = 0;  // in row order
  int64_t kept = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (t[i] == p.ignore_index) continue;
    total += row_loss[i];
    ++kept;
  }
  if (p.reduction == CrossEntropyReduction::kSum) loss_out[0] = static_cast<float>(total);
  if (p.reduction == CrossEntropyReduction::kMean) {
    loss_out[0] = kept > 0 ? static_cast<float>(total / kept) : 0.0f;
  }
  return absl::OkStatus();
}

struct BackwardArgs {
  const float *logits, *lse, *grad_loss;
  const int32_t* targets;
  float* grad;
  int64_t v;
  int32_t ignore_index;
  bool none;  // per-row grad_loss
  float scale, smooth, target_weight;
};

VLMLAB_CPU_FUSED_CLONES
void CrossEntropyBackwardRows(const BackwardArgs& a, int64_t r0, int64_t r1) {
  const int64_t v = a.v;
  const V8 smooth = Splat(a.smooth);
  for (int64_t i = r0; i < r1; ++i) {
    const float* x = a.logits + i * v;
    float* out = a.grad + i * v;
    const int32_t t = a.targets[i];
    if (t == a.ignore_index) {
      std::memset(out, 0, sizeof(float) * v);
      continue;
    }
    const float g = (a.none ? a.grad_loss[i] : a.grad_loss[0]) * a.scale;
    const V8 gv = Splat(g), lse = Splat(a.lse[i]);
    cpu_fused::MapRow(v, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
      StoreN(out + j, lanes, gv * (Exp(LoadN(x + j, lanes, 0.0f) - lse) - smooth));
    });
    out[t] -= g * a.target_weight;
  }
}

absl::Status FusedCrossEntropyBackward(const Tensor& logits, const Tensor& targets,
                                       const Tensor& lse, const Tensor& grad_loss,
                                       const CrossEntropyParams& p, Tensor* grad_logits) {
  const int64_t n = targets.numel(), v = logits.size(-1);
  const int32_t* t = targets.data<int32_t>();
  VLMLAB_RETURN_IF_ERROR(CheckCrossEntropyTargets(t, n, v, p.ignore_index));
  int64_t kept = 0;
  for (int64_t i = 0; i < n; ++i) kept += t[i] != p.ignore_index;
  BackwardArgs a;
  a.logits = logits.data<float>();
  a.lse = lse.data<float>();
  a.grad_loss = grad_loss.data<float>();
  a.targets = t;
  a.grad = grad_logits->data<float>();
  a.v = v;
  a.ignore_index = p.ignore_index;
  a.none = p.reduction == CrossEntropyReduction::kNone;
  a.scale = p.reduction == CrossEntropyReduction::kMean && kept > 0 ? 1.0f / kept : 1.0f;
  a.smooth = p.label_smoothing / static_cast<float>(v);
  a.target_weight = 1 - p.label_smoothing;
  cpu_fused::ParallelRows(n, v,
                          [&](int64_t r0, int64_t r1) { CrossEntropyBackwardRows(a, r0, r1); });
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(CrossEntropyKernels, "cpu_fused", DeviceType::kCpu, 10, FusedCrossEntropy,
                       DType::kF32);
VLMLAB_REGISTER_KERNEL(CrossEntropyBackwardKernels, "cpu_fused", DeviceType::kCpu, 10,
                       FusedCrossEntropyBackward, DType::kF32);

}  // namespace
}  // namespace vlmlab
