// Fused f32 rotary position embedding (backend "cpu_fused", priority 10), forward and inverse
// (the backward). The reference evaluates pow and sincos in double for every element; here the
// angles are evaluated exactly as the reference does (double pow, double sincos, then rounded to
// float) but once per (theta, D, position), into a table of cos and signed sin laid out like a
// row of x:
//   C[2i] = C[2i+1] = cos(angle_i),  S[2i] = -sin(angle_i),  S[2i+1] = +sin(angle_i)
// so that a row rotates as y = x * C + swap_pairs(x) * S (inverse: x * C - swap_pairs(x) * S),
// eight floats at a time. Tables for positions [0, n) are cached per (theta, D) and grown on
// demand, so a training step computes them once; positions that are negative or beyond the
// cache's bound get their table row computed on the fly. Rows are split over OpenMP threads;
// every output element depends only on its inputs, so results are bitwise identical for any
// thread count.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "kernels/api/rope.h"
#include "kernels/cpu_fused/fast_math.h"

namespace vlmlab {
namespace {

using cpu_fused::LoadN;
using cpu_fused::StoreN;
using cpu_fused::V8;

// Largest cached table, in floats (2 * positions * D): 4 MiB per (theta, D).
constexpr int64_t kMaxTableFloats = int64_t{1} << 20;
// Cached (theta, D) pairs; beyond it the cache is cleared (tables in use stay alive).
constexpr size_t kMaxTables = 16;

// Writes the C and S rows (d floats each) of position p; `inv_freq` holds theta^(-2i/d).
void FillRow(double p, const std::vector<double>& inv_freq, float* c_row, float* s_row) {
  for (size_t i = 0; i < inv_freq.size(); ++i) {
    const double angle = p * inv_freq[i];
    const float c = static_cast<float>(std::cos(angle)), s = static_cast<float>(std::sin(angle));
    c_row[2 * i] = c_row[2 * i + 1] = c;
    s_row[2 * i] = -s;
    s_row[2 * i + 1] = s;
  }
}

// theta^(-2i/d) for i < d/2, as the reference computes it.
std::vector<double> InverseFrequencies(float theta, int64_t d) {
  std::vector<double> f(d / 2);
  for (int64_t i = 0; i < d / 2; ++i) {
    f[i] = std::pow(static_cast<double>(theta), -2.0 * i / d);
  }
  return f;
}

// Rows [0, positions) of C and S: position p at table[2 * p * d] (C) and [(2p + 1) * d] (S).
struct Table {
  int64_t positions = 0;
  std::vector<double> inv_freq;
  std::vector<float> cs;
};

// The cached table for (theta, d) covering positions [0, need), or nullptr when it would
// exceed kMaxTableFloats.
std::shared_ptr<const Table> CachedTable(float theta, int64_t d, int64_t need) {
  if (need * 2 * d > kMaxTableFloats) return nullptr;
  static std::mutex* mu = new std::mutex;
  static auto* cache = new std::map<std::pair<uint32_t, int64_t>, std::shared_ptr<const Table>>;
  uint32_t bits;
  std::memcpy(&bits, &theta, sizeof bits);
  const std::pair<uint32_t, int64_t> key(bits, d);
  std::lock_guard<std::mutex> lock(*mu);
  auto it = cache->find(key);
  if (it != cache->end() && it->second->positions >= need) return it->second;
  // Grow geometrically (at least 64 positions) so decoding one position at a time rebuilds
  // the table O(log n) times.
  int64_t n = std::max<int64_t>(need, 64);
  if (it != cache->end()) n = std::max(n, 2 * it->second->positions);
  n = std::max(need, std::min(n, kMaxTableFloats / (2 * d)));
  auto t = std::make_shared<Table>();
  t->positions = n;
  t->inv_freq = InverseFrequencies(theta, d);
  t->cs.resize(static_cast<size_t>(2 * n * d));
  for (int64_t p = 0; p < n; ++p) {
    FillRow(static_cast<double>(p), t->inv_freq, &t->cs[2 * p * d], &t->cs[(2 * p + 1) * d]);
  }
  if (it == cache->end() && cache->size() >= kMaxTables) cache->clear();
  (*cache)[key] = t;
  return t;
}

VLMLAB_FUSED_INLINE inline V8 SwapPairs(V8 v) {
  return __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6);
}

// y = x * C +/- swap_pairs(x) * S over one row of d floats (d even, so a partial block holds
// whole pairs).
template <bool kInverse>
VLMLAB_FUSED_INLINE inline void RotateRowImpl(const float* x, const float* c, const float* s,
                                              int64_t d, float* y) {
  cpu_fused::MapRow(d, [&](int64_t j, int lanes) VLMLAB_FUSED_INLINE {
    const V8 xv = LoadN(x + j, lanes, 0.0f);
    const V8 a = xv * LoadN(c + j, lanes, 0.0f);
    const V8 b = SwapPairs(xv) * LoadN(s + j, lanes, 0.0f);
    StoreN(y + j, lanes, kInverse ? a - b : a + b);
  });
}

struct Args {
  const float* x;
  float* y;
  const int32_t* pos;
  bool per_batch;
  int64_t h, t, d;
  const Table* table;  // rows of positions beyond it compute their angles
  bool inverse;
};

VLMLAB_CPU_FUSED_CLONES
void RotateRows(const Args& a, int64_t r0, int64_t r1) {
  std::vector<float> own;  // C and S of a position outside the table
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t t = r % a.t, b = r / (a.h * a.t);
    const int32_t p = a.pos[a.per_batch ? b * a.t + t : t];
    const float *c, *s;
    if (p >= 0 && p < a.table->positions) {
      c = a.table->cs.data() + 2 * int64_t{p} * a.d;
      s = c + a.d;
    } else {
      if (own.empty()) own.resize(2 * a.d);
      FillRow(static_cast<double>(p), a.table->inv_freq, own.data(), own.data() + a.d);
      c = own.data();
      s = c + a.d;
    }
    if (a.inverse) {
      RotateRowImpl<true>(a.x + r * a.d, c, s, a.d, a.y + r * a.d);
    } else {
      RotateRowImpl<false>(a.x + r * a.d, c, s, a.d, a.y + r * a.d);
    }
  }
}

// x, y: [B, H, T, D]; positions: [T] or [B, T].
absl::Status Rope(const Tensor& x, const Tensor& positions, float theta, bool inverse, Tensor* y) {
  const int64_t b_n = x.size(0), h_n = x.size(1), t_n = x.size(2), d_n = x.size(3);
  const int64_t rows = b_n * h_n * t_n;
  if (rows == 0 || d_n == 0) return absl::OkStatus();
  const int32_t* pos = positions.data<int32_t>();
  int32_t hi = 0;
  for (int64_t i = 0; i < positions.numel(); ++i) hi = std::max(hi, pos[i]);
  std::shared_ptr<const Table> table = CachedTable(theta, d_n, int64_t{hi} + 1);
  if (table == nullptr) {
    // Far positions: an empty table carrying the frequencies, every row computes its own.
    auto t = std::make_shared<Table>();
    t->inv_freq = InverseFrequencies(theta, d_n);
    table = t;
  }
  const Args a{x.data<float>(), y->data<float>(), pos, positions.dim() == 2, h_n, t_n, d_n,
               table.get(),     inverse};
  cpu_fused::ParallelRows(rows, d_n, [&](int64_t r0, int64_t r1) { RotateRows(a, r0, r1); });
  return absl::OkStatus();
}

VLMLAB_REGISTER_KERNEL(RopeKernels, "cpu_fused", DeviceType::kCpu, 10, Rope, DType::kF32);

}  // namespace
}  // namespace vlmlab
