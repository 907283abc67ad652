// Gradients of ops::ScaledDotProductAttention: finite differences on odd shapes with every
// kind of mask, fully masked rows, GQA against repeated heads, and frozen inputs.
#include <cmath>

#include "gtest/gtest.h"
#include "platform/autograd/backward.h"
#include "platform/ops/attention_ops.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/shape_ops.h"
#include "platform/ops/testing/gradcheck.h"

namespace vlmlab {
namespace {

constexpr int64_t B = 2, Hq = 4, Hkv = 2, Tq = 5, Tk = 7, D = 6, Dv = 3;

Tensor RandomMask(const Shape& shape, uint64_t seed) {
  std::vector<float> u = Tensor::RandUniform(shape, seed, 0, 1).ToVector();
  std::vector<int32_t> m(u.size());
  for (size_t i = 0; i < u.size(); ++i) m[i] = u[i] < 0.6f;
  return Tensor::FromInts(shape, m);
}

absl::Status Check(const ops::AttentionOptions& opt, int64_t tq = Tq, int64_t tk = Tk) {
  auto f = [opt](const std::vector<Tensor>& in) {
    return ops::ScaledDotProductAttention(in[0], in[1], in[2], opt);
  };
  return GradCheck(f, {Tensor::RandN({B, Hq, tq, D}, 21), Tensor::RandN({B, Hkv, tk, D}, 22),
                       Tensor::RandN({B, Hkv, tk, Dv}, 23)});
}

TEST(AttentionGrad, NoMask) { EXPECT_TRUE(Check({}).ok()) << Check({}); }

TEST(AttentionGrad, CausalIncludingQueriesWithoutKeys) {
  ops::AttentionOptions opt;
  opt.causal = true;
  for (int64_t tq : {Tq, int64_t{1}, int64_t{9}}) {  // KV-cache offset, one query, Tq > Tk
    absl::Status s = Check(opt, tq);
    EXPECT_TRUE(s.ok()) << "Tq " << tq << ": " << s;
  }
}

TEST(AttentionGrad, PaddingAndBooleanMasks) {
  ops::AttentionOptions pad;
  pad.key_padding_mask = Tensor::FromInts({B, Tk}, {1, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0});
  absl::Status s = Check(pad);
  EXPECT_TRUE(s.ok()) << "padding: " << s;
  for (const Shape& shape : std::vector<Shape>{{Tq, Tk}, {B, 1, Tq, Tk}, {B, Hq, Tq, Tk}}) {
    ops::AttentionOptions opt;
    opt.mask = RandomMask(shape, 31);
    opt.causal = shape.size() == 4;
    opt.key_padding_mask = shape[1] == Hq ? pad.key_padding_mask : Tensor();
    s = Check(opt);
    EXPECT_TRUE(s.ok()) << ShapeString(shape) << ": " << s;
  }
  ops::AttentionOptions scaled;
  scaled.scale = 0.9f;
  s = Check(scaled);
  EXPECT_TRUE(s.ok()) << "scale: " << s;
}

// Loss = sum(out * w); returns the gradients of q, k, v.
std::vector<Tensor> Grads(const ops::AttentionOptions& opt, bool repeat_kv) {
  Tensor q = Tensor::RandN({B, Hq, Tq, D}, 41), k = Tensor::RandN({B, Hkv, Tk, D}, 42);
  Tensor v = Tensor::RandN({B, Hkv, Tk, Dv}, 43);
  for (Tensor* t : {&q, &k, &v}) t->set_requires_grad(true);
  Tensor kk = k, vv = v;
  if (repeat_kv) {  // heads 0 0 1 1
    auto rep = [](const Tensor& t) {
      Tensor h0 = ops::Slice(t, 1, 0, 1).value(), h1 = ops::Slice(t, 1, 1, 2).value();
      return ops::Concat({h0, h0, h1, h1}, 1).value();
    };
    kk = rep(k);
    vv = rep(v);
  }
  Tensor out = ops::ScaledDotProductAttention(q, kk, vv, opt).value();
  Tensor loss = ops::Sum(ops::Mul(out, Tensor::RandN(out.shape(), 44)).value()).value();
  EXPECT_TRUE(Backward(loss).ok());
  return {q.grad(), k.grad(), v.grad()};
}

TEST(AttentionGrad, SegmentIdsOfPackedRows) {
  ops::AttentionOptions opt;
  opt.causal = true;
  opt.segment_ids = Tensor::FromInts({B, Tk}, {0, 0, 0, 1, 1, 2, 2, 5, 5, 5, 5, 5, 5, -1});
  opt.key_padding_mask = Tensor::FromInts({B, Tk}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0});
  absl::Status s = Check(opt);  // Tq 5 < Tk 7: queries are the last keys' positions
  EXPECT_TRUE(s.ok()) << s;
  opt.causal = false;
  s = Check(opt, Tk);
  EXPECT_TRUE(s.ok()) << "not causal: " << s;
}

TEST(AttentionGrad, GroupedQueryHeadsSumOverTheGroup) {
  ops::AttentionOptions opt;
  opt.causal = true;
  opt.key_padding_mask = Tensor::FromInts({B, Tk}, {1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1});
  std::vector<Tensor> gqa = Grads(opt, false), mha = Grads(opt, true);
  for (int i = 0; i < 3; ++i) EXPECT_LT(MaxAbsDiff(gqa[i], mha[i]), 1e-5) << "input " << i;
}

TEST(AttentionGrad, FullyMaskedRowsGetZeroGradients) {
  Tensor q = Tensor::RandN({1, 2, 3, 4}, 51), k = Tensor::RandN({1, 1, 2, 4}, 52);
  Tensor v = Tensor::RandN({1, 1, 2, 4}, 53);
  q.set_requires_grad(true);
  ops::AttentionOptions opt;
  opt.mask = Tensor::FromInts({3, 2}, {1, 1, 0, 0, 1, 0});  // row 1 sees nothing
  Tensor out = ops::ScaledDotProductAttention(q, k, v, opt).value();
  ASSERT_TRUE(Backward(ops::Sum(out).value()).ok());
  std::vector<float> o = out.ToVector(), g = q.grad().ToVector();
  for (int h = 0; h < 2; ++h) {
    for (int c = 0; c < 4; ++c) {
      EXPECT_EQ(o[(h * 3 + 1) * 4 + c], 0.0f);
      EXPECT_EQ(g[(h * 3 + 1) * 4 + c], 0.0f);
    }
  }
  for (float x : g) EXPECT_TRUE(std::isfinite(x));
}

TEST(AttentionGrad, FrozenInputsGetNoGradient) {
  Tensor q = Tensor::RandN({1, 2, 3, 4}, 61), k = Tensor::RandN({1, 2, 3, 4}, 62);
  Tensor v = Tensor::RandN({1, 2, 3, 4}, 63);
  v.set_requires_grad(true);
  Tensor out = ops::ScaledDotProductAttention(q, k, v).value();
  ASSERT_TRUE(Backward(ops::Sum(out).value()).ok());
  EXPECT_FALSE(q.grad().defined());
  EXPECT_FALSE(k.grad().defined());
  ASSERT_TRUE(v.grad().defined());
  // Every query's weights sum to 1, so d sum(out) / dv sums to Tq over the keys of each head.
  std::vector<float> gv = v.grad().ToVector();
  double total = 0;
  for (float x : gv) total += x;
  EXPECT_NEAR(total, 2 * 3 * 4, 1e-4);
}

TEST(AttentionGrad, Bf16GradientsFollowF32) {
  ops::AttentionOptions opt;
  opt.causal = true;
  std::vector<Tensor> f32, bf16;
  for (DType t : {DType::kF32, DType::kBF16}) {
    Tensor q = Tensor::RandN({1, 2, 4, 8}, 71, 1, t), k = Tensor::RandN({1, 1, 6, 8}, 72, 1, t);
    Tensor v = Tensor::RandN({1, 1, 6, 4}, 73, 1, t);
    for (Tensor* x : {&q, &k, &v}) x->set_requires_grad(true);
    Tensor out = ops::ScaledDotProductAttention(q, k, v, opt).value();
    Tensor w = Tensor::RandN(out.shape(), 74, 1, t);
    absl::Status s = Backward(out, /*seed=*/w);
    ASSERT_TRUE(s.ok()) << s;
    (t == DType::kF32 ? f32 : bf16) = {q.grad(), k.grad(), v.grad()};
  }
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(bf16[i].dtype(), DType::kBF16);
    EXPECT_LT(MaxAbsDiff(bf16[i].To(DType::kF32), f32[i]), 0.1) << "input " << i;
  }
}

}  // namespace
}  // namespace vlmlab
