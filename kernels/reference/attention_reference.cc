// Reference fused attention: per (b, h) block, scores, a stable softmax and the weighted sum
// in double; the backward recomputes the probabilities from the saved log-sum-exp.
#include <cmath>
#include <limits>

#include "kernels/api/attention.h"
#include "kernels/reference/float_io.h"

namespace vlmlab {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

struct Dims {
  int64_t b, hq, hkv, tq, tk, d, dv;
  explicit Dims(const Tensor& q, const Tensor& k, const Tensor& v)
      : b(q.size(0)),
        hq(q.size(1)),
        hkv(k.size(1)),
        tq(q.size(2)),
        tk(k.size(2)),
        d(q.size(3)),
        dv(v.size(3)) {}
  int64_t Group() const { return hq / hkv; }
};

// Scaled scores of query row (b, h, i) against every key; -inf where masked.
std::vector<double> Scores(const Dims& n, const AttentionMaskRows& masks, double scale,
                           const std::vector<float>& q, const std::vector<float>& k, int64_t b,
                           int64_t h, int64_t i) {
  std::vector<double> s(n.tk, kNegInf);
  const float* qi = q.data() + ((b * n.hq + h) * n.tq + i) * n.d;
  const float* kb = k.data() + (b * n.hkv + h / n.Group()) * n.tk * n.d;
  const AttentionMaskRows::Row row = masks.RowFor(b, h, i);
  for (int64_t j = 0; j < masks.KeyEnd(i); ++j) {
    if (!row.Allowed(j)) continue;
    double acc = 0;
    for (int64_t c = 0; c < n.d; ++c) acc += double{qi[c]} * kb[j * n.d + c];
    s[j] = scale * acc;
  }
  return s;
}

absl::Status Forward(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionParams& p,
                     Tensor* out, Tensor* lse) {
  const Dims n(q, k, v);
  const AttentionMaskRows masks(p, n.tq, n.tk);
  std::vector<float> qv = LoadFloats(q), kv = LoadFloats(k), vv = LoadFloats(v);
  std::vector<float> ov(out->numel(), 0.0f), lv(lse->numel());
  for (int64_t b = 0; b < n.b; ++b) {
    for (int64_t h = 0; h < n.hq; ++h) {
      const float* vb = vv.data() + (b * n.hkv + h / n.Group()) * n.tk * n.dv;
      for (int64_t i = 0; i < n.tq; ++i) {
        const int64_t r = (b * n.hq + h) * n.tq + i;
        std::vector<double> s = Scores(n, masks, p.scale, qv, kv, b, h, i);
        double m = kNegInf;
        for (double x : s) m = std::max(m, x);
        if (m == kNegInf) {  // every key masked: zeros, lse = -inf
          lv[r] = -std::numeric_limits<float>::infinity();
          continue;
        }
        double sum = 0;
        std::vector<double> acc(n.dv, 0.0);
        for (int64_t j = 0; j < n.tk; ++j) {
          if (s[j] == kNegInf) continue;
          double e = std::exp(s[j] - m);
          sum += e;
          for (int64_t c = 0; c < n.dv; ++c) acc[c] += e * vb[j * n.dv + c];
        }
        for (int64_t c = 0; c < n.dv; ++c) ov[r * n.dv + c] = static_cast<float>(acc[c] / sum);
        lv[r] = static_cast<float>(m + std::log(sum));
      }
    }
  }
  StoreFloats(ov, out);
  StoreFloats(lv, lse);
  return absl::OkStatus();
}

// P = exp(s - lse); dP = dO . v; dS = P (dP - sum_j P dP);
// dq = scale dS k;  dk = scale dS^T q;  dv = P^T dO  (dk, dv summed over the group's heads).
absl::Status Backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& lse,
                      const Tensor& grad_out, const AttentionParams& p, Tensor* dq, Tensor* dk,
                      Tensor* dv) {
  const Dims n(q, k, v);
  const AttentionMaskRows masks(p, n.tq, n.tk);
  std::vector<float> qv = LoadFloats(q), kv = LoadFloats(k), vv = LoadFloats(v);
  std::vector<float> lv = LoadFloats(lse), gv = LoadFloats(grad_out);
  std::vector<double> gq(q.numel(), 0.0), gk(k.numel(), 0.0), gvv(v.numel(), 0.0);
  for (int64_t b = 0; b < n.b; ++b) {
    for (int64_t h = 0; h < n.hq; ++h) {
      const int64_t kvo = (b * n.hkv + h / n.Group()) * n.tk;  // first key row of the kv head
      for (int64_t i = 0; i < n.tq; ++i) {
        const int64_t r = (b * n.hq + h) * n.tq + i;
        if (std::isinf(lv[r]) && lv[r] < 0) continue;  // fully masked row: zero gradients
        std::vector<double> s = Scores(n, masks, p.scale, qv, kv, b, h, i);
        std::vector<double> prob(n.tk, 0.0), dprob(n.tk, 0.0);
        double dot = 0;
        for (int64_t j = 0; j < n.tk; ++j) {
          if (s[j] == kNegInf) continue;
          prob[j] = std::exp(s[j] - lv[r]);
          for (int64_t c = 0; c < n.dv; ++c)
            dprob[j] += double{gv[r * n.dv + c]} * vv[(kvo + j) * n.dv + c];
          dot += prob[j] * dprob[j];
        }
        for (int64_t j = 0; j < n.tk; ++j) {
          if (prob[j] == 0) continue;
          const double ds = p.scale * prob[j] * (dprob[j] - dot);
          for (int64_t c = 0; c < n.d; ++c) {
            gq[r * n.d + c] += ds * kv[(kvo + j) * n.d + c];
            gk[(kvo + j) * n.d + c] += ds * qv[r * n.d + c];
          }
          for (int64_t c = 0; c < n.dv; ++c) {
            gvv[(kvo + j) * n.dv + c] += prob[j] * gv[r * n.dv + c];
          }
        }
      }
    }
  }
  if (dq) StoreFloats(std::vector<float>(gq.begin(), gq.end()), dq);
  if (dk) StoreFloats(std::vector<float>(gk.begin(), gk.end()), dk);
  if (dv) StoreFloats(std::vector<float>(gvv.begin(), gvv.end()), dv);
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(AttentionForwardKernels, "reference", DeviceType::kCpu, 0, Forward,
                       DType::kF32, DType::kBF16);
VLMLAB_REGISTER_KERNEL(AttentionBackwardKernels, "reference", DeviceType::kCpu, 0, Backward,
                       DType::kF32, DType::kBF16);

}  // namespace
}  // namespace vlmlab
