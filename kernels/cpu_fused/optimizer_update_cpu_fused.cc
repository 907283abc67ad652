// The optimizer passes of kernels/api/optimizer_update.h (backend "cpu_fused", priority 10):
// every parameter's elements cut into fixed chunks, the chunks spread over the OpenMP threads,
// vector loops within a chunk. The chunking is fixed (not by thread count) and each chunk's
// arithmetic is the order the API defines, so results equal the reference bit for bit at any
// thread count. Built with -ffp-contract=off (no FMA contraction in the AVX2 clone, which
// would round differently from the reference and from the baseline build) and -fno-math-errno
// (lets sqrt vectorise; results unchanged).
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/api/optimizer_update.h"
#include "kernels/cpu_fused/fast_math.h"

namespace vlmlab::cpu_fused {
namespace {

// Chunks of the concatenated tensors: chunk c is elements [begin, end) of tensor `tensor`.
struct Chunk {
  int64_t tensor, begin, end;
};

template <typename Numel>
std::vector<Chunk> Chunks(int64_t tensors, int64_t chunk, Numel&& numel, int64_t* total) {
  std::vector<Chunk> out;
  *total = 0;
  for (int64_t t = 0; t < tensors; ++t) {
    const int64_t n = numel(t);
    *total += n;
    for (int64_t b = 0; b < n; b += chunk) out.push_back({t, b, std::min(n, b + chunk)});
  }
  return out;
}

// The API's chunk sum: 8 double lanes (lane u: elements u mod 8), then lanes 0..7 in order.
VLMLAB_CPU_FUSED_CLONES
double ChunkSquares(const float* x, int64_t n) {
  V4d lo{}, hi{};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const V8 v = Load(x + i);
    const V4d a = Low(v), b = High(v);
    lo += a * a;
    hi += b * b;
  }
  double lanes[8] = {lo[0], lo[1], lo[2], lo[3], hi[0], hi[1], hi[2], hi[3]};
  for (; i < n; ++i) lanes[i % 8] += static_cast<double>(x[i]) * static_cast<double>(x[i]);
  double sum = 0;
  for (double l : lanes) sum += l;
  return sum;
}

absl::Status SquaredNorm(const std::vector<Tensor>& xs, double* sum_sq) {
  int64_t total = 0;
  const std::vector<Chunk> chunks = Chunks(
      static_cast<int64_t>(xs.size()), kSquaredNormChunk,
      [&](int64_t t) { return xs[t].numel(); }, &total);
  std::vector<double> partial(chunks.size());
  const int64_t count = static_cast<int64_t>(chunks.size());
#pragma omp parallel for schedule(dynamic) if (count > 1 && total >= kParallelElements)
  for (int64_t c = 0; c < count; ++c) {
    const Chunk& k = chunks[c];
    partial[c] = ChunkSquares(xs[k.tensor].data<float>() + k.begin, k.end - k.begin);
  }
  double sum = 0;
  for (double p : partial) sum += p;
  *sum_sq = sum;
  return absl::OkStatus();
}

VLMLAB_CPU_FUSED_CLONES
void AdamWRange(float* __restrict p, const float* __restrict g, float* __restrict m,
                float* __restrict v, int64_t n, const AdamWParam& a, const AdamWConstants& c) {
  const float b1 = c.beta1, b2 = c.beta2, c1 = c.one_minus_beta1, c2 = c.one_minus_beta2;
  const float eps = c.eps, scale = c.grad_scale;
  const float decay = a.decay, step_size = a.step_size, inv_sqrt_bc2 = a.inv_sqrt_bc2;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float gi = g[i] * scale;
    const float mi = b1 * m[i] + c1 * gi;
    const float vi = b2 * v[i] + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    const float denom = std::sqrt(vi) * inv_sqrt_bc2 + eps;
    p[i] = p[i] * decay - step_size * mi / denom;
  }
}

// Elements per AdamW task: seven streams of floats (4 read, 3 written) per element.
constexpr int64_t kAdamWChunk = 16384;

absl::Status AdamW(const std::vector<AdamWParam>& params, const AdamWConstants& c) {
  int64_t total = 0;
  const std::vector<Chunk> chunks = Chunks(
      static_cast<int64_t>(params.size()), kAdamWChunk,
      [&](int64_t t) { return params[t].param.numel(); }, &total);
  const int64_t count = static_cast<int64_t>(chunks.size());
#pragma omp parallel for schedule(dynamic) if (count > 1 && total >= kParallelElements)
  for (int64_t i = 0; i < count; ++i) {
    const Chunk& k = chunks[i];
    const AdamWParam& a = params[k.tensor];
    AdamWRange(a.param.data<float>() + k.begin, a.grad.data<float>() + k.begin,
               a.exp_avg.data<float>() + k.begin, a.exp_avg_sq.data<float>() + k.begin,
               k.end - k.begin, a, c);
  }
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(SquaredNormKernels, "cpu_fused", DeviceType::kCpu, 10, SquaredNorm,
                       DType::kF32);
VLMLAB_REGISTER_KERNEL(AdamWKernels, "cpu_fused", DeviceType::kCpu, 10, AdamW, DType::kF32);

}  // namespace
}  // namespace vlmlab::cpu_fused
