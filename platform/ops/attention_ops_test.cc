#include "platform/ops/attention_ops.h"

#include <cmath>
#include <functional>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/ops/matmul_ops.h"
#include "platform/ops/shape_ops.h"
#include "platform/ops/testing/gradcheck.h"

namespace vlmlab {
namespace {

using Allowed = std::function<bool(int64_t b, int64_t h, int64_t i, int64_t j)>;

// Attention composed in the test: scores from ops::Matmul per (b, h), then softmax and the
// weighted sum in double. Fully masked rows give zeros.
std::vector<double> Composed(const Tensor& q, const Tensor& k, const Tensor& v, double scale,
                             const Allowed& allowed) {
  const int64_t nb = q.size(0), hq = q.size(1), tq = q.size(2), d = q.size(3);
  const int64_t group = hq / k.size(1), tk = k.size(2), dv = v.size(3);
  std::vector<double> out;
  for (int64_t b = 0; b < nb; ++b) {
    for (int64_t h = 0; h < hq; ++h) {
      auto head = [&](const Tensor& t, int64_t hh, int64_t rows, int64_t cols) {
        Tensor s = ops::Slice(ops::Slice(t, 0, b, b + 1).value(), 1, hh, hh + 1).value();
        return ops::Reshape(s, {rows, cols}).value();
      };
      std::vector<float> s =
          ops::Matmul(head(q, h, tq, d), head(k, h / group, tk, d), false, true)->ToVector();
      std::vector<float> vv = head(v, h / group, tk, dv).ToVector();
      for (int64_t i = 0; i < tq; ++i) {
        double m = -INFINITY, sum = 0;
        for (int64_t j = 0; j < tk; ++j) {
          if (allowed(b, h, i, j)) m = std::max(m, scale * s[i * tk + j]);
        }
        std::vector<double> acc(dv, 0.0);
        for (int64_t j = 0; j < tk; ++j) {
          if (!allowed(b, h, i, j)) continue;
          double e = std::exp(scale * s[i * tk + j] - m);
          sum += e;
          for (int64_t c = 0; c < dv; ++c) acc[c] += e * vv[j * dv + c];
        }
        for (int64_t c = 0; c < dv; ++c) out.push_back(sum > 0 ? acc[c] / sum : 0.0);
      }
    }
  }
  return out;
}

Tensor RandomMask(const Shape& shape, uint64_t seed) {
  std::vector<float> u = Tensor::RandUniform(shape, seed, 0, 1).ToVector();
  std::vector<int32_t> m(u.size());
  for (size_t i = 0; i < u.size(); ++i) m[i] = u[i] < 0.7f;
  return Tensor::FromInts(shape, m);
}

TEST(AttentionOps, HandCheckedOneQueryTwoKeys) {
  // Scores 0 and ln 3 (scale 1): weights 1/4 and 3/4.
  Tensor q = Tensor::FromVector({1, 1, 1, 2}, {1, 0});
  Tensor k = Tensor::FromVector({1, 1, 2, 2}, {0, 5, static_cast<float>(std::log(3.0)), -2});
  Tensor v = Tensor::FromVector({1, 1, 2, 2}, {4, 0, 8, 4});
  ops::AttentionOptions opt;
  opt.scale = 1.0f;
  Tensor out = ops::ScaledDotProductAttention(q, k, v, opt).value();
  EXPECT_EQ(out.shape(), (Shape{1, 1, 1, 2}));
  EXPECT_THAT(out.ToVector(),
              ::testing::Pointwise(::testing::FloatNear(1e-5), std::vector<float>{7, 3}));
  // Default scale 1/sqrt(2) on q scaled by sqrt(2) is the same.
  Tensor q2 = Tensor::FromVector({1, 1, 1, 2}, {static_cast<float>(std::sqrt(2.0)), 0});
  EXPECT_THAT((ops::ScaledDotProductAttention(q2, k, v).value()).ToVector(),
              ::testing::Pointwise(::testing::FloatNear(1e-5), std::vector<float>{7, 3}));
}

TEST(AttentionOps, MatchesMatmulAndSoftmaxWithGqaCrossAndMasks) {
  const int64_t B = 2, Hq = 4, Hkv = 2, Tq = 5, Tk = 7;
  Tensor q = Tensor::RandN({B, Hq, Tq, 6}, 1), k = Tensor::RandN({B, Hkv, Tk, 6}, 2);
  Tensor v = Tensor::RandN({B, Hkv, Tk, 3}, 3);
  const double scale = 1 / std::sqrt(6.0);
  EXPECT_THAT((ops::ScaledDotProductAttention(q, k, v).value()).ToVector(),
              ::testing::Pointwise(::testing::FloatNear(1e-5),
                                   Composed(q, k, v, scale, [](int64_t, int64_t, int64_t, int64_t) {
                                     return true;
                                   })));
  Tensor pad = Tensor::FromInts({B, Tk}, {1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0});
  Tensor mask = RandomMask({B, Hq, Tq, Tk}, 4);
  std::vector<int32_t> pv = pad.ToInts(), mv = mask.ToInts();
  ops::AttentionOptions opt;
  opt.causal = true;
  opt.key_padding_mask = pad;
  opt.mask = mask;
  // Batch 1 attends no key at all: its rows must be zeros.
  EXPECT_THAT((ops::ScaledDotProductAttention(q, k, v, opt).value()).ToVector(),
              ::testing::Pointwise(
                  ::testing::FloatNear(1e-5),
                  Composed(q, k, v, scale, [&](int64_t b, int64_t h, int64_t i, int64_t j) {
                    return j <= i + Tk - Tq && pv[b * Tk + j] &&
                           mv[((b * Hq + h) * Tq + i) * Tk + j];
                  })));
}

TEST(AttentionOps, CausalEqualsExplicitLowerTriangularMask) {
  for (int64_t tq : {1, 4, 7, 9}) {  // Tk = 7: KV-cache offsets, square, and Tq > Tk
    Tensor q = Tensor::RandN({2, 2, tq, 4}, 5), k = Tensor::RandN({2, 2, 7, 4}, 6);
    Tensor v = Tensor::RandN({2, 2, 7, 5}, 7);
    std::vector<int32_t> tri(tq * 7);
    for (int64_t i = 0; i < tq; ++i)
      for (int64_t j = 0; j < 7; ++j) tri[i * 7 + j] = j <= i + 7 - tq;
    ops::AttentionOptions causal, masked;
    causal.causal = true;
    masked.mask = Tensor::FromInts({tq, 7}, tri);
    Tensor a = ops::ScaledDotProductAttention(q, k, v, causal).value();
    Tensor b = ops::ScaledDotProductAttention(q, k, v, masked).value();
    EXPECT_LT(MaxAbsDiff(a, b), 1e-6) << "Tq = " << tq;
    for (float x : a.ToVector()) ASSERT_TRUE(std::isfinite(x));
  }
}

TEST(AttentionOps, PaddingMaskEqualsDroppingThePaddedKeys) {
  Tensor q = Tensor::RandN({1, 3, 4, 8}, 8), k = Tensor::RandN({1, 3, 6, 8}, 9);
  Tensor v = Tensor::RandN({1, 3, 6, 2}, 10);
  ops::AttentionOptions opt;
  opt.key_padding_mask = Tensor::FromInts({1, 6}, {1, 1, 1, 1, 0, 0});
  Tensor padded = ops::ScaledDotProductAttention(q, k, v, opt).value();
  Tensor dropped = ops::ScaledDotProductAttention(q, ops::Slice(k, 2, 0, 4).value(),
                                                  ops::Slice(v, 2, 0, 4).value())
                       .value();
  EXPECT_LT(MaxAbsDiff(padded, dropped), 1e-6);
  // A broadcast [1, 1, Tq, Tk] mask with the same pattern agrees too.
  std::vector<int32_t> m(4 * 6);
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 6; ++j) m[i * 6 + j] = j < 4;
  ops::AttentionOptions opt4;
  opt4.mask = Tensor::FromInts({1, 1, 4, 6}, m);
  EXPECT_LT(MaxAbsDiff(padded, ops::ScaledDotProductAttention(q, k, v, opt4).value()), 1e-6);
}

TEST(AttentionOps, PackedSegmentsEqualEachSegmentAlone) {
  // One row packing three sequences of 3, 4 and 2 tokens: each token's output is that of its
  // sequence attended alone (block-diagonal causal attention).
  const std::vector<int64_t> starts = {0, 3, 7, 9};
  Tensor q = Tensor::RandN({1, 2, 9, 4}, 30), k = Tensor::RandN({1, 2, 9, 4}, 31);
  Tensor v = Tensor::RandN({1, 2, 9, 3}, 32);
  ops::AttentionOptions packed;
  packed.causal = true;
  packed.segment_ids = Tensor::FromInts({1, 9}, {0, 0, 0, 1, 1, 1, 1, 2, 2});
  Tensor all = ops::ScaledDotProductAttention(q, k, v, packed).value();
  ops::AttentionOptions causal;
  causal.causal = true;
  for (size_t s = 0; s + 1 < starts.size(); ++s) {
    auto part = [&](const Tensor& t) { return ops::Slice(t, 2, starts[s], starts[s + 1]).value(); };
    Tensor alone = ops::ScaledDotProductAttention(part(q), part(k), part(v), causal).value();
    EXPECT_LT(MaxAbsDiff(part(all), alone), 1e-6) << "segment " << s;
  }
  // Without the segment ids the later sequences see the earlier ones.
  Tensor leaky = ops::ScaledDotProductAttention(q, k, v, causal).value();
  EXPECT_GT(MaxAbsDiff(leaky, all), 1e-3);
}

TEST(AttentionOps, GroupedQueryHeadsEqualRepeatedKvHeads) {
  Tensor q = Tensor::RandN({2, 6, 3, 4}, 11), k = Tensor::RandN({2, 2, 5, 4}, 12);
  Tensor v = Tensor::RandN({2, 2, 5, 3}, 13);
  auto repeat = [](const Tensor& t) {  // [B, 2, T, D] -> [B, 6, T, D]: heads 0 0 0 1 1 1
    Tensor h0 = ops::Slice(t, 1, 0, 1).value(), h1 = ops::Slice(t, 1, 1, 2).value();
    return ops::Concat({h0, h0, h0, h1, h1, h1}, 1).value();
  };
  ops::AttentionOptions opt;
  opt.causal = true;
  Tensor gqa = ops::ScaledDotProductAttention(q, k, v, opt).value();
  Tensor mha = ops::ScaledDotProductAttention(q, repeat(k), repeat(v), opt).value();
  EXPECT_LT(MaxAbsDiff(gqa, mha), 1e-6);
}

TEST(AttentionOps, NonContiguousInputsAndBf16) {
  Tensor qb = Tensor::RandN({2, 5, 3, 4}, 14), kb = Tensor::RandN({2, 6, 3, 4}, 15);
  Tensor vb = Tensor::RandN({2, 6, 3, 4}, 16);  // [B, T, H, D] as from a projection
  Tensor q = ops::Permute(qb, {0, 2, 1, 3}).value(), k = ops::Permute(kb, {0, 2, 1, 3}).value();
  Tensor v = ops::Permute(vb, {0, 2, 1, 3}).value();
  Tensor a = ops::ScaledDotProductAttention(q, k, v).value();
  Tensor c = ops::ScaledDotProductAttention(q.Contiguous(), k.Contiguous(), v.Contiguous()).value();
  EXPECT_LT(MaxAbsDiff(a, c), 1e-7);
  Tensor h =
      ops::ScaledDotProductAttention(q.To(DType::kBF16), k.To(DType::kBF16), v.To(DType::kBF16))
          .value();
  EXPECT_EQ(h.dtype(), DType::kBF16);
  EXPECT_LT(MaxAbsDiff(h.To(DType::kF32), a), 0.05);
}

TEST(AttentionOps, LargeScoresAreStable) {
  // Scores in the thousands: the softmax must not overflow, and the largest score wins.
  Tensor q = Tensor::FromVector({1, 1, 2, 2}, {100, 0, -100, 0});
  Tensor k = Tensor::FromVector({1, 1, 3, 2}, {50, 0, 49, 0, -50, 0});
  Tensor v = Tensor::FromVector({1, 1, 3, 1}, {1, 2, 3});
  ops::AttentionOptions opt;
  opt.scale = 1.0f;
  EXPECT_THAT((ops::ScaledDotProductAttention(q, k, v, opt).value()).ToVector(),
              ::testing::Pointwise(::testing::FloatNear(1e-6), std::vector<float>{1, 3}));
}

TEST(AttentionOps, ErrorsNameTheOpAndAllShapes) {
  Tensor q = Tensor::Zeros({2, 4, 5, 6}), k = Tensor::Zeros({2, 2, 7, 6});
  Tensor v = Tensor::Zeros({2, 2, 7, 3});
  auto message = [](const absl::StatusOr<Tensor>& r) {
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string() : std::string(r.status().message());
  };
  std::string m = message(ops::ScaledDotProductAttention(q, Tensor::Zeros({2, 3, 7, 6}), v));
  EXPECT_NE(m.find("scaled_dot_product_attention: q [2, 4, 5, 6], k [2, 3, 7, 6], "
                   "v [2, 2, 7, 3]"),
            std::string::npos)
      << m;
  m = message(
      ops::ScaledDotProductAttention(q, Tensor::Zeros({2, 3, 7, 6}), Tensor::Zeros({2, 3, 7, 3})));
  EXPECT_THAT(m, ::testing::HasSubstr("multiple of kv heads")) << m;
  m = message(ops::ScaledDotProductAttention(q, Tensor::Zeros({2, 2, 7, 5}), v));
  EXPECT_THAT(m, ::testing::HasSubstr("head size D")) << m;
  message(ops::ScaledDotProductAttention(Tensor::Zeros({4, 5, 6}), k, v));     // rank
  message(ops::ScaledDotProductAttention(q, k, Tensor::Zeros({2, 2, 6, 3})));  // Tk
  message(ops::ScaledDotProductAttention(q, k, Tensor::Zeros({1, 2, 7, 3})));  // B
  message(ops::ScaledDotProductAttention(q, k.To(DType::kBF16), v));           // dtypes
  message(ops::ScaledDotProductAttention(q.To(DType::kI32), k.To(DType::kI32), v.To(DType::kI32)));
  message(ops::ScaledDotProductAttention(q, Tensor(), v));
  message(
      ops::ScaledDotProductAttention(Tensor::Zeros({2, 4, 5, 0}), Tensor::Zeros({2, 2, 7, 0}), v));
  ops::AttentionOptions bad;
  bad.key_padding_mask = Tensor::FromInts({2, 5}, std::vector<int32_t>(10, 1));
  m = message(ops::ScaledDotProductAttention(q, k, v, bad));
  EXPECT_NE(m.find("key_padding_mask i32[2, 5] cpu: key_padding_mask must be [B, Tk] = [2, 7]"),
            std::string::npos)
      << m;
  bad.key_padding_mask = Tensor::Zeros({2, 7});  // f32
  message(ops::ScaledDotProductAttention(q, k, v, bad));
  for (const Shape& s : std::vector<Shape>{
           {5, 6}, {7, 5}, {3, 4, 5, 7}, {2, 3, 5, 7}, {2, 1, 1, 5, 7}, {2, 4, 5, 7, 1}}) {
    ops::AttentionOptions o;
    o.mask = Tensor::Zeros(s, DType::kI32);
    m = message(ops::ScaledDotProductAttention(q, k, v, o));
    EXPECT_THAT(m, ::testing::HasSubstr("mask must be")) << m;
  }
  ops::AttentionOptions seg;
  seg.segment_ids = Tensor::Zeros({2, 5}, DType::kI32);
  m = message(ops::ScaledDotProductAttention(q, k, v, seg));
  EXPECT_THAT(m, ::testing::HasSubstr("segment_ids must be [B, Tk] = [2, 7]")) << m;
  seg.segment_ids = Tensor::Zeros({2, 7});  // f32
  m = message(ops::ScaledDotProductAttention(q, k, v, seg));
  EXPECT_THAT(m, ::testing::HasSubstr("segment_ids must be i32")) << m;
  seg.segment_ids = Tensor::Zeros({2, 5}, DType::kI32);  // Tq 7 > Tk 5
  m = message(ops::ScaledDotProductAttention(k, Tensor::Zeros({2, 2, 5, 6}),
                                             Tensor::Zeros({2, 2, 5, 3}), seg));
  EXPECT_THAT(m, ::testing::HasSubstr("segment_ids need Tq <= Tk")) << m;
  ops::AttentionOptions f32_mask;
  f32_mask.mask = Tensor::Zeros({5, 7});
  message(ops::ScaledDotProductAttention(q, k, v, f32_mask));
  ops::AttentionOptions nan_scale;
  nan_scale.scale = NAN;
  message(ops::ScaledDotProductAttention(q, k, v, nan_scale));
}

TEST(AttentionOps, EmptyShapes) {
  Tensor out =
      ops::ScaledDotProductAttention(Tensor::Zeros({2, 4, 3, 6}), Tensor::Zeros({2, 2, 0, 6}),
                                     Tensor::Zeros({2, 2, 0, 3}))
          .value();
  EXPECT_EQ(out.shape(), (Shape{2, 4, 3, 3}));
  for (float x : out.ToVector()) EXPECT_EQ(x, 0.0f);
  EXPECT_EQ(ops::ScaledDotProductAttention(Tensor::Zeros({0, 4, 3, 6}), Tensor::Zeros({0, 2, 5, 6}),
                                           Tensor::Zeros({0, 2, 5, 3}))
                ->numel(),
            0);
}

}  // namespace
}  // namespace vlmlab
