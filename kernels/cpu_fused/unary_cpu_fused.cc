// Fused f32 GELU (tanh approximation) and SiLU, forward and backward (backend "cpu_fused",
// priority 20: above oneDNN's eltwise kernels, which take ~7 ns per element on AVX2 for
// these). Written in the sigmoid form, which has no cancellation for large |x|:
//   gelu_tanh(x) = 0.5 x (1 + tanh(u)) = x s,  s = 1 / (1 + e),  e = exp(-2u),
//                  u = sqrt(2/pi) (x + 0.044715 x^3);   d/dx = s (1 + 2 u' x e s)
//   silu(x)      = x s,  e = exp(-x);                   d/dx = s (1 + x e s)
// with the vector exp of fast_math.h (about 1 ulp). The forward lets e overflow to +inf
// (s = 0, so x s = -0 as in the reference, and NaN for x = -inf as there). The backward
// evaluates the derivative at x clamped to [-kClamp, kClamp] with the exponent clamped to
// <= 80, so e s stays finite: beyond the clamp the derivative is 1 or below 1e-30 (exactly 1
// for x > kClamp, about 0 for x < -kClamp), and no inf * 0 appears. Every other unary op is
// handed to the next CPU kernel (oneDNN, else the reference). Elementwise, so results do not
// depend on the thread count.
#include <algorithm>
#include <string>
#include <vector>

#include "kernels/api/elementwise.h"
#include "kernels/cpu_fused/fast_math.h"

namespace vlmlab {
namespace {

using cpu_fused::LoadN;
using cpu_fused::Splat;
using cpu_fused::StoreN;
using cpu_fused::V8;

constexpr char kBackend[] = "cpu_fused";
constexpr float kSqrt2OverPi = 0.7978845608028654f;
constexpr float kCubic = 0.044715f;
// Elements per parallel "row".
constexpr int64_t kChunk = 4096;

bool Fused(UnaryOp op) { return op == UnaryOp::kGeluTanh || op == UnaryOp::kSilu; }

// The best CPU kernel of `table` for `dtype` from another backend.
template <typename Fn>
Fn* NextKernel(const KernelTable<Fn>& table, DType dtype) {
  for (const auto& impl : table.impls()) {
    if (impl.backend != kBackend && impl.handles(DeviceType::kCpu, dtype)) return impl.fn;
  }
  return nullptr;
}

// Where the backward clamps x: GELU-tanh's derivative is 1 or 0 to float precision beyond
// |x| = 12 (e = exp(-+142)), SiLU's beyond 80 (e^-80 ~ 1.8e-35).
constexpr float kGeluClamp = 12.0f;
constexpr float kSiluClamp = 80.0f;

VLMLAB_FUSED_INLINE inline V8 Clamp(V8 v, float limit) {
  const V8 lo = Splat(-limit), hi = Splat(limit);
  v = v < lo ? lo : v;  // NaN passes through both selects
  return v > hi ? hi : v;
}

// -2u of GELU-tanh.
VLMLAB_FUSED_INLINE inline V8 GeluExponent(V8 x) {
  return Splat(-2.0f * kSqrt2OverPi) * (x + Splat(kCubic) * x * x * x);
}

template <bool kGelu>
VLMLAB_FUSED_INLINE inline void ForwardImpl(const float* x, float* y, int64_t n) {
  cpu_fused::MapRow(n, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
    const V8 v = LoadN(x + j, lanes, 0.0f);
    const V8 e = cpu_fused::Exp(kGelu ? GeluExponent(v) : -v);  // may be +inf
    StoreN(y + j, lanes, v * (Splat(1.0f) / (Splat(1.0f) + e)));
  });
}

template <bool kGelu>
VLMLAB_FUSED_INLINE inline void BackwardImpl(const float* x, const float* gy, float* gx,
                                             int64_t n) {
  cpu_fused::MapRow(n, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
    const V8 one = Splat(1.0f);
    const V8 v = Clamp(LoadN(x + j, lanes, 0.0f), kGelu ? kGeluClamp : kSiluClamp);
    V8 a, slope;  // the exponent; slope: 2 u' (GELU) or 1 (SiLU)
    if (kGelu) {
      a = GeluExponent(v);
      slope = Splat(2.0f * kSqrt2OverPi) * (one + Splat(3.0f * kCubic) * v * v);
    } else {
      a = -v;
      slope = one;
    }
    const V8 hi = Splat(80.0f);
    const V8 e = cpu_fused::Exp(a > hi ? hi : a);
    const V8 s = one / (one + e);
    const V8 d = s * (one + slope * v * (e * s));
    StoreN(gx + j, lanes, LoadN(gy + j, lanes, 0.0f) * d);
  });
}

VLMLAB_CPU_FUSED_CLONES
void ForwardRange(bool gelu, const float* x, float* y, int64_t n) {
  if (gelu) {
    ForwardImpl<true>(x, y, n);
  } else {
    ForwardImpl<false>(x, y, n);
  }
}

VLMLAB_CPU_FUSED_CLONES
void BackwardRange(bool gelu, const float* x, const float* gy, float* gx, int64_t n) {
  if (gelu) {
    BackwardImpl<true>(x, gy, gx, n);
  } else {
    BackwardImpl<false>(x, gy, gx, n);
  }
}

// fn(start, count) over [0, n) in chunks of kChunk, on the OpenMP threads.
template <typename Fn>
void ParallelChunks(int64_t n, Fn&& fn) {
  const int64_t rows = (n + kChunk - 1) / kChunk;
  cpu_fused::ParallelRows(rows, kChunk, [&](int64_t r0, int64_t r1) {
    const int64_t start = r0 * kChunk;
    fn(start, std::min(n, r1 * kChunk) - start);
  });
}

absl::Status FusedUnary(UnaryOp op, float alpha, const Tensor& x, Tensor* y) {
  if (!Fused(op) || x.numel() != y->numel()) {
    UnaryKernel* next = NextKernel(UnaryKernels(), x.dtype());
    if (next == nullptr) return absl::UnimplementedError("unary: no other CPU kernel");
    return next(op, alpha, x, y);
  }
  const bool gelu = op == UnaryOp::kGeluTanh;
  const float* xp = x.data<float>();
  float* yp = y->data<float>();
  ParallelChunks(x.numel(), [&](int64_t s, int64_t n) { ForwardRange(gelu, xp + s, yp + s, n); });
  return absl::OkStatus();
}

absl::Status FusedUnaryBackward(UnaryOp op, float alpha, const Tensor& x, const Tensor& gy,
                                Tensor* gx) {
  if (!Fused(op) || x.numel() != gy.numel() || x.numel() != gx->numel()) {
    UnaryBackwardKernel* next = NextKernel(UnaryBackwardKernels(), x.dtype());
    if (next == nullptr) return absl::UnimplementedError("unary_backward: no other CPU kernel");
    return next(op, alpha, x, gy, gx);
  }
  const bool gelu = op == UnaryOp::kGeluTanh;
  const float *xp = x.data<float>(), *gp = gy.data<float>();
  float* out = gx->data<float>();
  ParallelChunks(x.numel(),
                 [&](int64_t s, int64_t n) { BackwardRange(gelu, xp + s, gp + s, out + s, n); });
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(UnaryKernels, kBackend, DeviceType::kCpu, 20, FusedUnary, DType::kF32);
VLMLAB_REGISTER_KERNEL(UnaryBackwardKernels, kBackend, DeviceType::kCpu, 20, FusedUnaryBackward,
                       DType::kF32);

}  // namespace
}  // namespace vlmlab
