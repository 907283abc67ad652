// Fused f32 layer norm and RMS norm (backend "cpu_fused", priority 10). Forward: one read of a
// row for its statistics, one write. Backward: one read for the row sums (accumulating the
// weight / bias gradients on the way), one write of gx. Vector loops (fast_math.h): row sums
// in 16 float lanes added into double every 256 columns, in a fixed order; rows split over
// OpenMP threads. The weight / bias gradients sum over rows in fixed chunks of kGradChunkRows
// rows (float partials per chunk, added in chunk order in double), so every result is
// bitwise the same for any thread count.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/api/normalization.h"
#include "kernels/cpu_fused/fast_math.h"

namespace vlmlab {
namespace {

using cpu_fused::LoadN;
using cpu_fused::Splat;
using cpu_fused::StoreN;
using cpu_fused::V4d;
using cpu_fused::V8;

// Rows per weight / bias gradient partial: fixed, so the summation order is too.
constexpr int64_t kGradChunkRows = 32;

// weight / bias data, or a buffer of `fill` when the tensor is undefined.
const float* ParamOr(const Tensor& t, int64_t c, float fill, std::vector<float>* buffer) {
  if (t.defined()) return t.data<float>();
  buffer->assign(c, fill);
  return buffer->data();
}

struct ForwardArgs {
  const float *x, *w, *b;  // b unused by RMS norm
  float *y, *mean, *rstd;  // mean unused by RMS norm
  int64_t c;
  float eps;
};

// Layer norm (kCenter) or RMS norm of rows [r0, r1).
template <bool kCenter>
VLMLAB_FUSED_INLINE inline void NormForwardRowsImpl(const ForwardArgs& a, int64_t r0, int64_t r1) {
  const int64_t c = a.c;
  const float *w = a.w, *b = a.b;
  for (int64_t r = r0; r < r1; ++r) {
    const float* x = a.x + r * c;
    float* y = a.y + r * c;
    double mu = 0, var = 0;
    if (kCenter) {
      // Sums of x - k with k = x[0] (the shifted-data variance: no cancellation when
      // |mean| >> std); padding lanes load k, so they add 0.
      const float k = c > 0 ? x[0] : 0.0f;
      const V8 kv = Splat(k);
      const std::array<double, 2> s =
          cpu_fused::RowSums<2>(c, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
            const V8 d = LoadN(x + j, lanes, k) - kv;
            return std::array<V8, 2>{d, d * d};
          });
      const double shift = c > 0 ? s[0] / c : 0.0;  // mean - k
      var = c > 0 ? std::max(0.0, s[1] / c - shift * shift) : 0.0;
      mu = k + shift;
    } else {
      const std::array<double, 1> s =
          cpu_fused::RowSums<1>(c, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
            const V8 v = LoadN(x + j, lanes, 0.0f);
            return std::array<V8, 1>{v * v};
          });
      var = c > 0 ? s[0] / c : 0.0;
    }
    const float rs = static_cast<float>(1 / std::sqrt(var + a.eps));
    const V8 rsv = Splat(rs);
    if (kCenter) {
      // mean = m + m_lo in two floats: x - m is exact for x near m, so large offsets keep
      // the precision of the double mean.
      const float m = static_cast<float>(mu), m_lo = static_cast<float>(mu - m);
      const V8 mv = Splat(m), lov = Splat(m_lo);
      cpu_fused::MapRow(c, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
        const V8 xhat = ((LoadN(x + j, lanes, 0.0f) - mv) - lov) * rsv;
        StoreN(y + j, lanes, xhat * LoadN(w + j, lanes, 0.0f) + LoadN(b + j, lanes, 0.0f));
      });
      a.mean[r] = m;
    } else {
      cpu_fused::MapRow(c, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
        StoreN(y + j, lanes, LoadN(x + j, lanes, 0.0f) * rsv * LoadN(w + j, lanes, 0.0f));
      });
    }
    a.rstd[r] = rs;
  }
}

VLMLAB_CPU_FUSED_CLONES
void NormForwardRows(bool center, const ForwardArgs& a, int64_t r0, int64_t r1) {
  if (center) {
    NormForwardRowsImpl<true>(a, r0, r1);
  } else {
    NormForwardRowsImpl<false>(a, r0, r1);
  }
}

// mean == nullptr: RMS norm (no centring, no bias).
void NormForward(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps, Tensor* y,
                 Tensor* mean, Tensor* rstd) {
  ForwardArgs a;
  a.c = x.size(-1);
  std::vector<float> ones, zeros;
  a.w = ParamOr(weight, a.c, 1, &ones);
  a.b = mean != nullptr ? ParamOr(bias, a.c, 0, &zeros) : nullptr;
  a.x = x.data<float>();
  a.y = y->data<float>();
  a.mean = mean != nullptr ? mean->data<float>() : nullptr;
  a.rstd = rstd->data<float>();
  a.eps = eps;
  const bool center = mean != nullptr;
  cpu_fused::ParallelRows(rstd->numel(), a.c,
                          [&](int64_t r0, int64_t r1) { NormForwardRows(center, a, r0, r1); });
}

struct BackwardArgs {
  const float *x, *w, *g, *mean, *rstd;  // mean: nullptr for RMS norm
  float* gx;                             // nullptr: not requested
  float *pw, *pb;  // weight / bias gradient partials [chunks, c]; nullptr: not requested
  int64_t rows, c;
};

// Rows of chunk `chunk`: gx, and the chunk's weight / bias gradient partials (overwritten).
template <bool kCenter, bool kGx, bool kGw, bool kGb>
VLMLAB_FUSED_INLINE inline void NormBackwardChunkImpl(const BackwardArgs& a, int64_t chunk) {
  const int64_t c = a.c, r0 = chunk * kGradChunkRows;
  const int64_t r1 = std::min(a.rows, r0 + kGradChunkRows);
  const float* w = a.w;
  float* pw = kGw ? a.pw + chunk * c : nullptr;
  float* pb = kGb ? a.pb + chunk * c : nullptr;
  if (kGw) std::fill(pw, pw + c, 0.0f);
  if (kGb) std::fill(pb, pb + c, 0.0f);
  for (int64_t r = r0; r < r1; ++r) {
    const float* x = a.x + r * c;
    const float* g = a.g + r * c;
    const V8 mv = Splat(kCenter ? a.mean[r] : 0.0f), rsv = Splat(a.rstd[r]);
    // Padding lanes load g = 0: they add 0 to every sum.
    const std::array<double, 2> s =
        cpu_fused::RowSums<2>(c, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
          const V8 xv = LoadN(x + j, lanes, 0.0f), gv = LoadN(g + j, lanes, 0.0f);
          const V8 xhat = (kCenter ? xv - mv : xv) * rsv, gw = gv * LoadN(w + j, lanes, 0.0f);
          if (kGw) StoreN(pw + j, lanes, LoadN(pw + j, lanes, 0.0f) + gv * xhat);
          if (kGb) StoreN(pb + j, lanes, LoadN(pb + j, lanes, 0.0f) + gv);
          return std::array<V8, 2>{gw, gw * xhat};
        });
    if (!kGx) continue;
    const V8 mean_g = Splat(kCenter ? static_cast<float>(s[0] / c) : 0.0f);
    const V8 mean_gx = Splat(static_cast<float>(s[1] / c));
    float* out = a.gx + r * c;
    cpu_fused::MapRow(c, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
      const V8 xv = LoadN(x + j, lanes, 0.0f);
      const V8 xhat = (kCenter ? xv - mv : xv) * rsv;
      const V8 gw = LoadN(g + j, lanes, 0.0f) * LoadN(w + j, lanes, 0.0f);
      StoreN(out + j, lanes, rsv * (kCenter ? gw - mean_g - xhat * mean_gx : gw - xhat * mean_gx));
    });
  }
}

template <bool kCenter, bool kGx>
VLMLAB_FUSED_INLINE inline void NormBackwardChunkGrads(const BackwardArgs& a, int64_t chunk) {
  if (a.pw != nullptr && a.pb != nullptr) {
    NormBackwardChunkImpl<kCenter, kGx, true, true>(a, chunk);
  } else if (a.pw != nullptr) {
    NormBackwardChunkImpl<kCenter, kGx, true, false>(a, chunk);
  } else if (a.pb != nullptr) {
    NormBackwardChunkImpl<kCenter, kGx, false, true>(a, chunk);
  } else {
    NormBackwardChunkImpl<kCenter, kGx, false, false>(a, chunk);
  }
}

VLMLAB_CPU_FUSED_CLONES
void NormBackwardChunk(const BackwardArgs& a, int64_t chunk) {
  const bool center = a.mean != nullptr, gx = a.gx != nullptr;
  if (center && gx) {
    NormBackwardChunkGrads<true, true>(a, chunk);
  } else if (center) {
    NormBackwardChunkGrads<true, false>(a, chunk);
  } else if (gx) {
    NormBackwardChunkGrads<false, true>(a, chunk);
  } else {
    NormBackwardChunkGrads<false, false>(a, chunk);
  }
}

// out[j] = sum over chunks k, in order, of partials[k * c + j] (in double), for the 8-column
// blocks from j0 to j1.
VLMLAB_CPU_FUSED_CLONES
void SumChunks(const float* partials, int64_t chunks, int64_t c, int64_t j0, int64_t j1,
               float* out) {
  for (int64_t j = j0; j < j1; j += 8) {
    const int lanes = static_cast<int>(std::min<int64_t>(8, c - j));
    V4d lo = {}, hi = {};
    for (int64_t k = 0; k < chunks; ++k) {
      const V8 p = LoadN(partials + k * c + j, lanes, 0.0f);
      lo += cpu_fused::Low(p);
      hi += cpu_fused::High(p);
    }
    float sum[8];
    for (int u = 0; u < 4; ++u) {
      sum[u] = static_cast<float>(lo[u]);
      sum[u + 4] = static_cast<float>(hi[u]);
    }
    std::memcpy(out + j, sum, sizeof(float) * lanes);
  }
}

void NormBackward(const Tensor& x, const Tensor& weight, const Tensor* mean, const Tensor& rstd,
                  const Tensor& gy, Tensor* gx, Tensor* gweight, Tensor* gbias) {
  BackwardArgs a;
  a.rows = rstd.numel();
  a.c = x.size(-1);
  std::vector<float> ones;
  a.w = ParamOr(weight, a.c, 1, &ones);
  a.x = x.data<float>();
  a.g = gy.data<float>();
  a.mean = mean != nullptr ? mean->data<float>() : nullptr;
  a.rstd = rstd.data<float>();
  a.gx = gx != nullptr ? gx->data<float>() : nullptr;
  const int64_t chunks = (a.rows + kGradChunkRows - 1) / kGradChunkRows;
  std::vector<float> pw(gweight != nullptr ? chunks * a.c : 0);
  std::vector<float> pb(gbias != nullptr ? chunks * a.c : 0);
  a.pw = gweight != nullptr ? pw.data() : nullptr;
  a.pb = gbias != nullptr ? pb.data() : nullptr;
  const bool parallel = chunks > 1 && a.rows * a.c >= cpu_fused::kParallelElements;
#pragma omp parallel if (parallel)
  {
#pragma omp for schedule(dynamic)
    for (int64_t k = 0; k < chunks; ++k) NormBackwardChunk(a, k);
    // Implicit barrier: every partial is written. Column blocks of 64 sum the chunks in order.
    const int64_t blocks = (a.c + 63) / 64;
#pragma omp for schedule(static)
    for (int64_t blk = 0; blk < blocks; ++blk) {
      const int64_t j0 = blk * 64, j1 = std::min(a.c, j0 + 64);
      if (gweight != nullptr) SumChunks(a.pw, chunks, a.c, j0, j1, gweight->data<float>());
      if (gbias != nullptr) SumChunks(a.pb, chunks, a.c, j0, j1, gbias->data<float>());
    }
  }
}

absl::Status FusedLayerNorm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps,
                            Tensor* y, Tensor* mean, Tensor* rstd) {
  NormForward(x, weight, bias, eps, y, mean, rstd);
  return absl::OkStatus();
}

absl::Status FusedLayerNormBackward(const Tensor& x, const Tensor& weight, const Tensor& mean,
                                    const Tensor& rstd, const Tensor& gy, Tensor* gx,
                                    Tensor* gweight, Tensor* gbias) {
  NormBackward(x, weight, &mean, rstd, gy, gx, gweight, gbias);
  return absl::OkStatus();
}

absl::Status FusedRmsNorm(const Tensor& x, const Tensor& weight, float eps, Tensor* y,
                          Tensor* rstd) {
  NormForward(x, weight, Tensor(), eps, y, nullptr, rstd);
  return absl::OkStatus();
}

absl::Status FusedRmsNormBackward(const Tensor& x, const Tensor& weight, const Tensor& rstd,
                                  const Tensor& gy, Tensor* gx, Tensor* gweight) {
  NormBackward(x, weight, nullptr, rstd, gy, gx, gweight, nullptr);
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(LayerNormKernels, "cpu_fused", DeviceType::kCpu, 10, FusedLayerNorm,
                       DType::kF32);
VLMLAB_REGISTER_KERNEL(LayerNormBackwardKernels, "cpu_fused", DeviceType::kCpu, 10,
                       FusedLayerNormBackward, DType::kF32);
VLMLAB_REGISTER_KERNEL(RmsNormKernels, "cpu_fused", DeviceType::kCpu, 10, FusedRmsNorm,
                       DType::kF32);
VLMLAB_REGISTER_KERNEL(RmsNormBackwardKernels, "cpu_fused", DeviceType::kCpu, 10,
                       FusedRmsNormBackward, DType::kF32);

}  // namespace
}  // namespace vlmlab
