// cpu_fused attention against the reference kernels on random odd shapes with every mask
// kind; determinism across thread counts; dispatch; gradients through the op. Timings:
// attention_cpu_benchmark.cc.
//
// Tolerances (f32 accumulation vs the reference's double): forward out and lse within
// 1e-5 (1 + |ref|); dq, dk, dv within 2e-5 (1 + |ref|). Observed: below 1e-6.
#include "kernels/cpu_attention/attention_cpu.h"

#include <omp.h>

#include <cmath>
#include <cstring>

#include "gtest/gtest.h"
#include "kernels/api/attention.h"
#include "platform/ops/attention_ops.h"
#include "platform/ops/testing/gradcheck.h"
#include "platform/testing/matchers.h"

namespace vlmlab {
namespace {

struct Case {
  int64_t b, hq, hkv, tq, tk, d, dv;
  bool causal;
  int mask;  // 0 none, 1 [Tq, Tk], 2 [B, 1, Tq, Tk], 3 [B, Hq, Tq, Tk]
  bool pad;
};

struct Result {
  Tensor out, lse, dq, dk, dv;
};

Tensor RandomMask(const Shape& shape, uint64_t seed, float keep) {
  std::vector<float> u = Tensor::RandUniform(shape, seed, 0, 1).ToVector();
  std::vector<int32_t> m(u.size());
  for (size_t i = 0; i < u.size(); ++i) m[i] = u[i] < keep;
  return Tensor::FromInts(shape, m);
}

AttentionParams Params(const Case& c) {
  AttentionParams p;
  p.scale = 1.0f / std::sqrt(static_cast<float>(c.d));
  p.causal = c.causal;
  const Shape shapes[] = {{}, {c.tq, c.tk}, {c.b, 1, c.tq, c.tk}, {c.b, c.hq, c.tq, c.tk}};
  if (c.mask) p.mask = RandomMask(shapes[c.mask], 90 + c.mask, 0.7f);
  if (c.pad) {
    Tensor pad = RandomMask({c.b, c.tk}, 80, 0.8f);
    if (c.b > 1) std::fill(pad.data<int32_t>(), pad.data<int32_t>() + c.tk, 0);  // no key
    p.key_padding_mask = pad;
  }
  return p;
}

Result RunKernels(absl::string_view backend, const Case& c, const AttentionParams& p) {
  Tensor q = Tensor::RandN({c.b, c.hq, c.tq, c.d}, 1),
         k = Tensor::RandN({c.b, c.hkv, c.tk, c.d}, 2);
  Tensor v = Tensor::RandN({c.b, c.hkv, c.tk, c.dv}, 3),
         g = Tensor::RandN({c.b, c.hq, c.tq, c.dv}, 4);
  Result r{Tensor::Zeros({c.b, c.hq, c.tq, c.dv}), Tensor::Zeros({c.b, c.hq, c.tq}),
           Tensor::Zeros(q.shape()), Tensor::Zeros(k.shape()), Tensor::Zeros(v.shape())};
  auto* fwd = AttentionForwardKernels().FindBackend(backend, DType::kF32);
  auto* bwd = AttentionBackwardKernels().FindBackend(backend, DType::kF32);
  EXPECT_TRUE(fwd && bwd) << backend;
  if (!fwd || !bwd) return r;
  EXPECT_TRUE(fwd->fn(q, k, v, p, &r.out, &r.lse).ok());
  EXPECT_TRUE(bwd->fn(q, k, v, r.lse, g, p, &r.dq, &r.dk, &r.dv).ok());
  return r;
}

// Checks |got - want| <= tol (1 + |want|) everywhere; returns the largest |got - want| / (1 +
// |want|), which the test reports.
double CheckScaledError(const Tensor& got, const Tensor& want, double tol,
                        const std::string& what) {
  std::vector<float> a = got.ToVector(), b = want.ToVector();
  EXPECT_EQ(a.size(), b.size()) << what;
  double worst = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (std::isinf(b[i])) {
      EXPECT_EQ(a[i], b[i]) << what << " at " << i;
      continue;
    }
    const double err = std::abs(double{a[i]} - b[i]) / (1 + std::abs(b[i]));
    EXPECT_LE(err, tol) << what << " at " << i << ": " << a[i] << " vs " << b[i];
    if (!(err <= tol)) return err;
    worst = std::max(worst, err);
  }
  return worst;
}

TEST(CpuFusedAttention, MatchesReferenceOnOddShapesAndMasks) {
  const Case cases[] = {
      {2, 4, 2, 5, 7, 6, 3, false, 0, false},    {2, 4, 2, 5, 7, 6, 3, true, 0, false},
      {2, 4, 2, 5, 7, 6, 3, true, 3, true},      {1, 3, 1, 17, 9, 5, 7, false, 1, true},
      {3, 2, 2, 9, 4, 8, 1, true, 0, false},      // Tq > Tk: first rows see no key
      {2, 6, 3, 19, 133, 64, 40, true, 2, true},  // crosses the row and key tiles
      {1, 2, 1, 1, 300, 32, 16, true, 0, true},   // one query, KV cache
      {1, 1, 1, 4, 0, 4, 2, false, 0, false},     // no keys at all
  };
  for (const Case& c : cases) {
    AttentionParams p = Params(c);
    std::string what =
        absl::StrCat("B", c.b, " Hq", c.hq, " Hkv", c.hkv, " Tq", c.tq, " Tk", c.tk, " D", c.d,
                     " Dv", c.dv, " causal", c.causal, " mask", c.mask, " pad", c.pad);
    Result fused = RunKernels(kCpuFusedAttentionBackend, c, p), ref = RunKernels("reference", c, p);
    double fwd = std::max(CheckScaledError(fused.out, ref.out, 1e-5, what + " out"),
                          CheckScaledError(fused.lse, ref.lse, 1e-5, what + " lse"));
    double bwd = std::max({CheckScaledError(fused.dq, ref.dq, 2e-5, what + " dq"),
                           CheckScaledError(fused.dk, ref.dk, 2e-5, what + " dk"),
                           CheckScaledError(fused.dv, ref.dv, 2e-5, what + " dv")});
    std::printf("%s: worst scaled error forward %.2g, backward %.2g\n", what.c_str(), fwd, bwd);
  }
}

// Segment ids of `b` rows of `tk` keys: runs of the given lengths (cycled), numbered from
// `first` on; with `reuse`, ids repeat (0 1 0 1 ...) so a segment is not one contiguous run.
Tensor Segments(int64_t b, int64_t tk, const std::vector<int64_t>& lengths, bool reuse) {
  std::vector<int32_t> ids(b * tk);
  for (int64_t r = 0; r < b; ++r) {
    int64_t run = 0, left = lengths[r % lengths.size()];
    for (int64_t j = 0; j < tk; ++j) {
      if (left == 0) left = lengths[(r + ++run) % lengths.size()];
      --left;
      ids[r * tk + j] = static_cast<int32_t>(reuse ? run % 2 : 100 * r + run);
    }
  }
  return Tensor::FromInts({b, tk}, ids);
}

// The block-diagonal pattern of segment ids as an explicit [B, 1, Tq, Tk] mask.
Tensor SegmentMask(const Tensor& seg, int64_t tq) {
  const int64_t b = seg.size(0), tk = seg.size(1);
  std::vector<int32_t> ids = seg.ToInts(), m(b * tq * tk);
  for (int64_t r = 0; r < b; ++r) {
    for (int64_t i = 0; i < tq; ++i) {
      for (int64_t j = 0; j < tk; ++j) {
        m[(r * tq + i) * tk + j] = ids[r * tk + j] == ids[r * tk + i + tk - tq];
      }
    }
  }
  return Tensor::FromInts({b, 1, tq, tk}, m);
}

// Packed rows: the fused kernel (which skips earlier segments' key blocks) and the reference
// agree with the reference given the same pattern as an explicit mask, across row tiles (16)
// and key blocks (32), with GQA, padding, non-causal attention, queries aligned to the end
// (Tq < Tk) and segments that are not one contiguous run.
TEST(CpuFusedAttention, SegmentIdsMatchAnExplicitBlockDiagonalMask) {
  struct SegCase {
    Case shape;
    std::vector<int64_t> lengths;
    bool reuse;
  };
  const SegCase cases[] = {
      {{2, 4, 2, 150, 150, 16, 8, true, 0, false}, {40, 7, 70, 33}, false},
      {{2, 4, 2, 150, 150, 16, 8, true, 0, true}, {3, 61, 1, 90}, false},
      {{1, 2, 1, 37, 37, 8, 8, false, 0, false}, {5, 20, 12}, false},
      {{2, 2, 2, 9, 140, 8, 4, true, 0, false}, {33, 100}, false},
      {{2, 2, 1, 70, 70, 8, 8, true, 0, true}, {10, 25}, true},
  };
  for (const SegCase& sc : cases) {
    const Case& c = sc.shape;
    AttentionParams p = Params(c);
    p.segment_ids = Segments(c.b, c.tk, sc.lengths, sc.reuse);
    AttentionParams explicit_mask = Params(c);
    explicit_mask.mask = SegmentMask(p.segment_ids, c.tq);
    std::string what = absl::StrCat("B", c.b, " Tq", c.tq, " Tk", c.tk, " causal", c.causal, " pad",
                                    c.pad, " reuse", sc.reuse);
    Result want = RunKernels("reference", c, explicit_mask);
    for (absl::string_view backend : {kCpuFusedAttentionBackend, "reference"}) {
      Result got = RunKernels(backend, c, p);
      const std::string w = absl::StrCat(what, " ", backend);
      EXPECT_THAT(got.out, IsClose(want.out, 1e-5, 1e-5)) << w << " out";
      EXPECT_THAT(got.lse, IsClose(want.lse, 1e-5, 1e-5)) << w << " lse";
      EXPECT_THAT(got.dq, IsClose(want.dq, 2e-5, 2e-5)) << w << " dq";
      EXPECT_THAT(got.dk, IsClose(want.dk, 2e-5, 2e-5)) << w << " dk";
      EXPECT_THAT(got.dv, IsClose(want.dv, 2e-5, 2e-5)) << w << " dv";
    }
  }
}

bool BitEqual(const Tensor& a, const Tensor& b) {
  return a.numel() == b.numel() &&
         std::memcmp(a.raw_data(), b.raw_data(), a.numel() * sizeof(float)) == 0;
}

TEST(CpuFusedAttention, DeterministicAcrossThreadCounts) {
  const Case c{3, 4, 2, 21, 37, 16, 8, true, 3, true};
  AttentionParams p = Params(c);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  Result one = RunKernels(kCpuFusedAttentionBackend, c, p);
  omp_set_num_threads(std::max(3, threads));
  Result many = RunKernels(kCpuFusedAttentionBackend, c, p);
  omp_set_num_threads(threads);
  EXPECT_TRUE(BitEqual(one.out, many.out));
  EXPECT_TRUE(BitEqual(one.lse, many.lse));
  EXPECT_TRUE(BitEqual(one.dq, many.dq));
  EXPECT_TRUE(BitEqual(one.dk, many.dk));
  EXPECT_TRUE(BitEqual(one.dv, many.dv));
}

TEST(CpuFusedAttention, PreferredForF32AndReferenceKeepsBf16) {
  EXPECT_EQ(AttentionForwardKernels().Find(DeviceType::kCpu, DType::kF32)->backend, "cpu_fused");
  EXPECT_EQ(AttentionBackwardKernels().Find(DeviceType::kCpu, DType::kF32)->backend, "cpu_fused");
  EXPECT_EQ(AttentionForwardKernels().Find(DeviceType::kCpu, DType::kBF16)->backend, "reference");
}

TEST(CpuFusedAttention, OpGradientsThroughTheFusedKernel) {
  ops::AttentionOptions opt;
  opt.causal = true;
  opt.key_padding_mask = Tensor::FromInts({2, 7}, {1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1, 1, 1, 1});
  opt.mask = RandomMask({5, 7}, 7, 0.8f);
  auto f = [opt](const std::vector<Tensor>& in) {
    return ops::ScaledDotProductAttention(in[0], in[1], in[2], opt);
  };
  absl::Status s = GradCheck(f, {Tensor::RandN({2, 4, 5, 6}, 11), Tensor::RandN({2, 2, 7, 6}, 12),
                                 Tensor::RandN({2, 2, 7, 3}, 13)});
  EXPECT_TRUE(s.ok()) << s;
}

}  // namespace
}  // namespace vlmlab
