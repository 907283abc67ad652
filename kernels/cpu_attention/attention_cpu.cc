// Fused CPU attention, forward and backward (f32); see attention_cpu.h. Every product is a
// SmallGemm on one tile of kRowTile query rows against the keys the tile can see; softmax and
// masks are row loops in between.
#include "kernels/cpu_attention/attention_cpu.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/api/attention.h"
#include "kernels/cpu_attention/small_gemm.h"
#include "kernels/cpu_fused/fast_math.h"

namespace vlmlab::cpu_attention {
namespace {

constexpr int64_t kRowTile = 16;  // query rows per tile
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

struct Dims {
  int64_t b, hq, hkv, tq, tk, d, dv, tk_pad, d_pad, dv_pad;
  Dims(const Tensor& q, const Tensor& k, const Tensor& v)
      : b(q.size(0)),
        hq(q.size(1)),
        hkv(k.size(1)),
        tq(q.size(2)),
        tk(k.size(2)),
        d(q.size(3)),
        dv(v.size(3)),
        tk_pad(PaddedCols(tk)),
        d_pad(PaddedCols(d)),
        dv_pad(PaddedCols(dv)) {}
  int64_t Group() const { return hq / hkv; }
};

// sum_j a[j] b[j] in eight lanes, in a fixed order.
VLMLAB_CPU_FUSED_CLONES
float Dot(const float* __restrict a, const float* __restrict b, int64_t n) {
  float lanes[8] = {};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
#pragma omp simd
    for (int u = 0; u < 8; ++u) lanes[u] += a[j + u] * b[j + u];
  }
  float sum = 0;
  for (; j < n; ++j) sum += a[j] * b[j];
  for (float x : lanes) sum += x;
  return sum;
}

// s[j] = exp(s[j] - shift) for j < n (the vector exp of kernels/cpu_fused/fast_math.h;
// exactly 0 for masked, -inf scores); returns sum_j s[j] (eight lanes, fixed order). Summing in
// the same pass saves a second read of the row.
VLMLAB_CPU_FUSED_CLONES
float ExpShiftedSum(float* __restrict s, int64_t n, float shift) {
  using cpu_fused::V8;
  V8 acc{};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const V8 e = cpu_fused::Exp(cpu_fused::Load(s + j) - shift);
    cpu_fused::Store(s + j, e);
    acc += e;
  }
  if (j < n) {
    const int lanes = static_cast<int>(n - j);
    const V8 e = cpu_fused::KeepLanes(
        cpu_fused::Exp(cpu_fused::LoadN(s + j, lanes, -cpu_fused::kInf) - shift), lanes);
    cpu_fused::StoreN(s + j, lanes, e);
    acc += e;
  }
  float sum = 0;
  for (int u = 0; u < 8; ++u) sum += acc[u];
  return sum;
}

// max_j s[j] for j in [begin, end) (-inf when empty).
VLMLAB_CPU_FUSED_CLONES
float RowMax(const float* __restrict s, int64_t begin, int64_t end) {
  float m = kNegInf;
#pragma omp simd reduction(max : m)
  for (int64_t j = begin; j < end; ++j) m = std::max(m, s[j]);
  return m;
}

// Sets masked scores of row (b, h, i) in [begin, end) to -inf.
void MaskRow(const AttentionMaskRows& masks, int64_t b, int64_t h, int64_t i, int64_t begin,
             int64_t end, float* s) {
  const AttentionMaskRows::Row row = masks.RowFor(b, h, i);
  if (row.pad == nullptr && row.mask == nullptr && row.segments == nullptr) return;
  for (int64_t j = begin; j < end; ++j) {
    if (!row.Allowed(j)) s[j] = kNegInf;
  }
}

// ds[j] = scale * p[j] * (ds[j] - d): the softmax backward of one row.
VLMLAB_CPU_FUSED_CLONES
void SoftmaxGradRow(const float* __restrict p, float* __restrict ds, int64_t n, float d,
                    float scale) {
#pragma omp simd
  for (int64_t j = 0; j < n; ++j) ds[j] = scale * p[j] * (ds[j] - d);
}

// The first key any query row of the tile [i0, i0 + rows) may see, rounded down to a multiple
// of kGemmCols so products starting there stay inside the padded buffers. With segment ids
// (packed sequences) the keys of earlier segments are skipped; otherwise 0.
int64_t TileKeyBegin(const AttentionMaskRows& masks, int64_t b, int64_t i0, int64_t rows,
                     int64_t end_max) {
  int64_t begin = end_max;
  for (int64_t r = 0; r < rows; ++r) begin = std::min(begin, masks.KeyBegin(b, i0 + r));
  return begin / kGemmCols * kGemmCols;
}

// dst [dst_rows, ld_dst] = src [rows, cols] (or its transpose when `transpose`), zero-padded.
void Pack(const float* src, int64_t rows, int64_t cols, bool transpose, float* dst, int64_t ld_dst,
          int64_t dst_rows) {
  if (!transpose) {
    for (int64_t r = 0; r < rows; ++r) {
      std::memcpy(dst + r * ld_dst, src + r * cols, cols * sizeof(float));
      std::fill(dst + r * ld_dst + cols, dst + (r + 1) * ld_dst, 0.0f);
    }
    std::fill(dst + rows * ld_dst, dst + dst_rows * ld_dst, 0.0f);
    return;
  }
  // dst[c, r] = src[r, c] for c < cols (= dst_rows), in blocks of 8 source rows so each pass
  // writes 8 consecutive floats of a destination row.
  constexpr int64_t kBlock = 8;
  int64_t r0 = 0;
  for (; r0 + kBlock <= rows; r0 += kBlock) {
    for (int64_t c = 0; c < cols; ++c) {
      for (int64_t u = 0; u < kBlock; ++u) dst[c * ld_dst + r0 + u] = src[(r0 + u) * cols + c];
    }
  }
  for (int64_t c = 0; c < cols; ++c) {
    for (int64_t r = r0; r < rows; ++r) dst[c * ld_dst + r] = src[r * cols + c];
    std::fill(dst + c * ld_dst + rows, dst + (c + 1) * ld_dst, 0.0f);
  }
  std::fill(dst + cols * ld_dst, dst + dst_rows * ld_dst, 0.0f);
}

struct ForwardWork {
  std::vector<float> kt, vp, s, o;
};

// Query head h of batch b: out [tq, dv], lse [tq] from q [tq, d], k [tk, d], v [tk, dv].
void ForwardBlock(const Dims& n, const AttentionMaskRows& masks, float scale, int64_t b, int64_t h,
                  const float* q, const float* k, const float* v, float* out, float* lse,
                  ForwardWork* w) {
  w->kt.resize(n.d * n.tk_pad);
  w->vp.resize(n.tk * n.dv_pad);
  w->s.resize(kRowTile * n.tk_pad);
  w->o.resize(kRowTile * n.dv_pad);
  Pack(k, n.tk, n.d, /*transpose=*/true, w->kt.data(), n.tk_pad, n.d);  // [d, tk_pad]
  Pack(v, n.tk, n.dv, false, w->vp.data(), n.dv_pad, n.tk);             // [tk, dv_pad]
  for (int64_t i0 = 0; i0 < n.tq; i0 += kRowTile) {
    const int64_t rows = std::min(kRowTile, n.tq - i0);
    const int64_t end_max = masks.KeyEnd(i0 + rows - 1);              // KeyEnd grows with i
    const int64_t begin = TileKeyBegin(masks, b, i0, rows, end_max);  // keys [begin, end_max)
    SmallGemm(rows, end_max - begin, n.d, scale, q + i0 * n.d, n.d, w->kt.data() + begin, n.tk_pad,
              false, w->s.data() + begin, n.tk_pad);
    float sums[kRowTile];
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t i = i0 + r, end = std::max(masks.KeyEnd(i), begin);
      float* si = w->s.data() + r * n.tk_pad;
      MaskRow(masks, b, h, i, begin, end, si);
      const float m = RowMax(si, begin, end);
      std::fill(si + end, si + end_max, 0.0f);
      if (m == kNegInf) {  // every key masked: zeros, lse = -inf
        std::fill(si + begin, si + end, 0.0f);
        sums[r] = 0;
        lse[i] = kNegInf;
        continue;
      }
      sums[r] = ExpShiftedSum(si + begin, end - begin, m);
      lse[i] = m + std::log(sums[r]);
    }
    SmallGemm(rows, n.dv, end_max - begin, 1.0f, w->s.data() + begin, n.tk_pad,
              w->vp.data() + begin * n.dv_pad, n.dv_pad, false, w->o.data(), n.dv_pad);
    for (int64_t r = 0; r < rows; ++r) {
      const float inv = sums[r] > 0 ? 1.0f / sums[r] : 0.0f;
      float* oi = out + (i0 + r) * n.dv;
      for (int64_t c = 0; c < n.dv; ++c) oi[c] = w->o[r * n.dv_pad + c] * inv;
    }
  }
}

absl::Status Forward(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionParams& p,
                     Tensor* out, Tensor* lse) {
  const Dims n(q, k, v);
  const AttentionMaskRows masks(p, n.tq, n.tk);
  const float *qd = q.data<float>(), *kd = k.data<float>(), *vd = v.data<float>();
  float *od = out->data<float>(), *ld = lse->data<float>();
  const int64_t blocks = n.b * n.hq;
#pragma omp parallel
  {
    ForwardWork work;
#pragma omp for schedule(static)
    for (int64_t blk = 0; blk < blocks; ++blk) {
      const int64_t b = blk / n.hq, h = blk % n.hq, kv = b * n.hkv + h / n.Group();
      ForwardBlock(n, masks, p.scale, b, h, qd + blk * n.tq * n.d, kd + kv * n.tk * n.d,
                   vd + kv * n.tk * n.dv, od + blk * n.tq * n.dv, ld + blk * n.tq, &work);
    }
  }
  return absl::OkStatus();
}

struct BackwardWork {
  std::vector<float> kt, kp, vt, p, ds, qp, gp, dq, dk, dv;
};

struct BackwardOut {
  float *dq, *dk, *dv;  // whole tensors; nullptr when not needed
};

// kv head hk of batch b with its group of query heads: dq rows of those heads; dk and dv of
// the kv head, summed over the group in a fixed order.
void BackwardBlock(const Dims& n, const AttentionMaskRows& masks, float scale, int64_t b,
                   int64_t hk, const float* q, const float* k, const float* v, const float* lse,
                   const float* g, const BackwardOut& out, BackwardWork* w) {
  const int64_t kv = b * n.hkv + hk;
  const float* kb = k + kv * n.tk * n.d;
  const float* vb = v + kv * n.tk * n.dv;
  const bool kv_grads = out.dk || out.dv;
  w->kt.resize(n.d * n.tk_pad);
  w->kp.resize(n.tk * n.d_pad);
  w->vt.resize(n.dv * n.tk_pad);
  for (auto* buf : {&w->p, &w->ds}) buf->resize(kRowTile * n.tk_pad);
  w->qp.resize(kRowTile * n.d_pad);
  w->gp.resize(kRowTile * n.dv_pad);
  w->dq.resize(kRowTile * n.d_pad);
  w->dk.assign(n.tk * n.d_pad, 0.0f);
  w->dv.assign(n.tk * n.dv_pad, 0.0f);
  Pack(kb, n.tk, n.d, true, w->kt.data(), n.tk_pad, n.d);    // [d, tk_pad]
  Pack(kb, n.tk, n.d, false, w->kp.data(), n.d_pad, n.tk);   // [tk, d_pad]
  Pack(vb, n.tk, n.dv, true, w->vt.data(), n.tk_pad, n.dv);  // [dv, tk_pad]
  for (int64_t h = hk * n.Group(); h < (hk + 1) * n.Group(); ++h) {
    const int64_t blk = b * n.hq + h;
    const float* qb = q + blk * n.tq * n.d;
    const float* gb = g + blk * n.tq * n.dv;
    const float* lb = lse + blk * n.tq;
    for (int64_t i0 = 0; i0 < n.tq; i0 += kRowTile) {
      const int64_t rows = std::min(kRowTile, n.tq - i0);
      const int64_t end_max = masks.KeyEnd(i0 + rows - 1);
      const int64_t begin = TileKeyBegin(masks, b, i0, rows, end_max);  // keys [begin, end_max)
      const int64_t keys = end_max - begin;
      float* p = w->p.data();
      float* ds = w->ds.data();
      SmallGemm(rows, keys, n.d, scale, qb + i0 * n.d, n.d, w->kt.data() + begin, n.tk_pad, false,
                p + begin, n.tk_pad);
      SmallGemm(rows, keys, n.dv, 1.0f, gb + i0 * n.dv, n.dv, w->vt.data() + begin, n.tk_pad, false,
                ds + begin, n.tk_pad);
      // P = exp(S - lse); dS = scale P (dP - sum_j P dP); zero where masked or past the end.
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t i = i0 + r, end = std::max(masks.KeyEnd(i), begin);
        float* pi = p + r * n.tk_pad;
        float* dsi = ds + r * n.tk_pad;
        if (lb[i] == kNegInf) {  // fully masked row: zero gradients
          std::fill(pi + begin, pi + end_max, 0.0f);
          std::fill(dsi + begin, dsi + end_max, 0.0f);
          continue;
        }
        MaskRow(masks, b, h, i, begin, end, pi);
        ExpShiftedSum(pi + begin, end - begin, lb[i]);
        std::fill(pi + end, pi + end_max, 0.0f);
        const float d = Dot(pi + begin, dsi + begin, end - begin);
        SoftmaxGradRow(pi + begin, dsi + begin, end_max - begin, d, scale);
      }
      if (out.dq) {  // dQ = dS K
        SmallGemm(rows, n.d, keys, 1.0f, ds + begin, n.tk_pad, w->kp.data() + begin * n.d_pad,
                  n.d_pad, false, w->dq.data(), n.d_pad);
        for (int64_t r = 0; r < rows; ++r) {
          std::copy(w->dq.data() + r * n.d_pad, w->dq.data() + r * n.d_pad + n.d,
                    out.dq + (blk * n.tq + i0 + r) * n.d);
        }
      }
      if (!kv_grads) continue;
      // dK += dS^T Q;  dV += P^T dO (dS and P read transposed in place)
      Pack(qb + i0 * n.d, rows, n.d, false, w->qp.data(), n.d_pad, rows);
      Pack(gb + i0 * n.dv, rows, n.dv, false, w->gp.data(), n.dv_pad, rows);
      SmallGemmTransA(keys, n.d, rows, 1.0f, ds + begin, n.tk_pad, w->qp.data(), n.d_pad, true,
                      w->dk.data() + begin * n.d_pad, n.d_pad);
      SmallGemmTransA(keys, n.dv, rows, 1.0f, p + begin, n.tk_pad, w->gp.data(), n.dv_pad, true,
                      w->dv.data() + begin * n.dv_pad, n.dv_pad);
    }
  }
  for (int64_t j = 0; j < n.tk; ++j) {
    if (out.dk) {
      std::copy(&w->dk[j * n.d_pad], &w->dk[j * n.d_pad] + n.d, out.dk + (kv * n.tk + j) * n.d);
    }
    if (out.dv) {
      std::copy(&w->dv[j * n.dv_pad], &w->dv[j * n.dv_pad] + n.dv, out.dv + (kv * n.tk + j) * n.dv);
    }
  }
}

absl::Status Backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& lse,
                      const Tensor& grad_out, const AttentionParams& p, Tensor* dq, Tensor* dk,
                      Tensor* dv) {
  const Dims n(q, k, v);
  const AttentionMaskRows masks(p, n.tq, n.tk);
  const BackwardOut out{dq ? dq->data<float>() : nullptr, dk ? dk->data<float>() : nullptr,
                        dv ? dv->data<float>() : nullptr};
  if (!out.dq && !out.dk && !out.dv) return absl::OkStatus();
  const float *qd = q.data<float>(), *kd = k.data<float>(), *vd = v.data<float>();
  const float *ld = lse.data<float>(), *gd = grad_out.data<float>();
  const int64_t blocks = n.b * n.hkv;
#pragma omp parallel
  {
    BackwardWork work;
#pragma omp for schedule(static)
    for (int64_t blk = 0; blk < blocks; ++blk) {
      BackwardBlock(n, masks, p.scale, blk / n.hkv, blk % n.hkv, qd, kd, vd, ld, gd, out, &work);
    }
  }
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(AttentionForwardKernels, kCpuFusedAttentionBackend, DeviceType::kCpu, 10,
                       Forward, DType::kF32);
VLMLAB_REGISTER_KERNEL(AttentionBackwardKernels, kCpuFusedAttentionBackend, DeviceType::kCpu, 10,
                       Backward, DType::kF32);

}  // namespace
}  // namespace vlmlab::cpu_attention
