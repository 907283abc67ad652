// Fused f32 softmax / log-softmax (backend "cpu_fused", priority 10): per row, one read for the
// max, one that exponentiates (and for softmax stores) while summing, one that normalises,
// with the row in cache. Vector loops (fast_math.h): sums in 16 float lanes added into double
// every 256 columns, in a fixed order; rows split over OpenMP threads (deterministic).
#include <array>
#include <cmath>

#include "kernels/api/softmax.h"
#include "kernels/cpu_fused/fast_math.h"

namespace vlmlab {
namespace {

using cpu_fused::Exp;
using cpu_fused::kInf;
using cpu_fused::LoadN;
using cpu_fused::Splat;
using cpu_fused::StoreN;
using cpu_fused::V8;

VLMLAB_CPU_FUSED_CLONES
void SoftmaxRows(bool log, const float* in, float* out, int64_t c, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; ++r) {
    const float* x = in + r * c;
    float* y = out + r * c;
    float m = cpu_fused::RowMax(x, c);
    if (std::isinf(m)) m = 0;  // all -inf (or +inf) rows: NaN, as in the reference
    const V8 mv = Splat(m);
    if (!log) {
      const double sum = cpu_fused::RowSums<1>(c, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
        const V8 e = Exp(LoadN(x + j, lanes, -kInf) - mv);  // padding: exp(-inf) = 0
        StoreN(y + j, lanes, e);
        return std::array<V8, 1>{e};
      })[0];
      const V8 inv = Splat(static_cast<float>(1 / sum));
      cpu_fused::MapRow(c, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
        StoreN(y + j, lanes, LoadN(y + j, lanes, 0.0f) * inv);
      });
    } else {
      const double sum = cpu_fused::RowSums<1>(c, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
        return std::array<V8, 1>{Exp(LoadN(x + j, lanes, -kInf) - mv)};
      })[0];
      const V8 shift = Splat(m + static_cast<float>(std::log(sum)));
      cpu_fused::MapRow(c, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
        StoreN(y + j, lanes, LoadN(x + j, lanes, 0.0f) - shift);
      });
    }
  }
}

VLMLAB_CPU_FUSED_CLONES
void SoftmaxBackwardRows(bool log, const float* ys, const float* gs, float* out, int64_t c,
                         int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; ++r) {
    const float* y = ys + r * c;
    const float* g = gs + r * c;
    float* gx = out + r * c;
    if (!log) {  // gx = y (g - sum_j g y)
      const double dot = cpu_fused::RowSums<1>(c, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
        return std::array<V8, 1>{LoadN(g + j, lanes, 0.0f) * LoadN(y + j, lanes, 0.0f)};
      })[0];
      const V8 dv = Splat(static_cast<float>(dot));
      cpu_fused::MapRow(c, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
        StoreN(gx + j, lanes, LoadN(y + j, lanes, 0.0f) * (LoadN(g + j, lanes, 0.0f) - dv));
      });
    } else {  // gx = g - exp(y) sum_j g
      const double sum = cpu_fused::RowSums<1>(c, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
        const V8 gv = LoadN(g + j, lanes, 0.0f);
        return std::array<V8, 1>{gv};
      })[0];
      const V8 sv = Splat(static_cast<float>(sum));
      cpu_fused::MapRow(c, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
        StoreN(gx + j, lanes, LoadN(g + j, lanes, 0.0f) - Exp(LoadN(y + j, lanes, 0.0f)) * sv);
      });
    }
  }
}

absl::Status FusedSoftmax(SoftmaxKind kind, const Tensor& x, Tensor* y) {
  const int64_t c = x.size(-1);
  if (c == 0) return absl::OkStatus();
  const bool log = kind == SoftmaxKind::kLog;
  const float* in = x.data<float>();
  float* out = y->data<float>();
  cpu_fused::ParallelRows(x.numel() / c, c,
                          [&](int64_t r0, int64_t r1) { SoftmaxRows(log, in, out, c, r0, r1); });
  return absl::OkStatus();
}

absl::Status FusedSoftmaxBackward(SoftmaxKind kind, const Tensor& y, const Tensor& gy, Tensor* gx) {
  const int64_t c = y.size(-1);
  if (c == 0) return absl::OkStatus();
  const bool log = kind == SoftmaxKind::kLog;
  const float* yd = y.data<float>();
  const float* gd = gy.data<float>();
  float* out = gx->data<float>();
  cpu_fused::ParallelRows(y.numel() / c, c, [&](int64_t r0, int64_t r1) {
    SoftmaxBackwardRows(log, yd, gd, out, c, r0, r1);
  });
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(SoftmaxKernels, "cpu_fused", DeviceType::kCpu, 10, FusedSoftmax,
                       DType::kF32);
VLMLAB_REGISTER_KERNEL(SoftmaxBackwardKernels, "cpu_fused", DeviceType::kCpu, 10,
                       FusedSoftmaxBackward, DType::kF32);

}  // namespace
}  // namespace vlmlab
