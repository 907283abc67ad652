#include "platform/ops/rope_ops.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/ops/testing/gradcheck.h"

namespace vlmlab {
namespace {

// The PyTorch peer's rope in double: x1 = x[..., ::2], x2 = x[..., 1::2],
// out = stack(x1 cos - x2 sin, x1 sin + x2 cos).flatten(-2), angle = pos * theta^(-2i/D).
std::vector<double> TorchStyleRope(const Tensor& x, const std::vector<int32_t>& pos, bool per_batch,
                                   double theta) {
  const int64_t b_n = x.size(0), h_n = x.size(1), t_n = x.size(2), d_n = x.size(3);
  std::vector<float> xv = x.ToVector();
  std::vector<double> out(xv.size());
  for (int64_t b = 0; b < b_n; ++b)
    for (int64_t h = 0; h < h_n; ++h)
      for (int64_t t = 0; t < t_n; ++t)
        for (int64_t i = 0; i < d_n / 2; ++i) {
          int64_t at = ((b * h_n + h) * t_n + t) * d_n + 2 * i;
          double a = pos[per_batch ? b * t_n + t : t] * std::pow(theta, -2.0 * i / d_n);
          out[at] = xv[at] * std::cos(a) - xv[at + 1] * std::sin(a);
          out[at + 1] = xv[at] * std::sin(a) + xv[at + 1] * std::cos(a);
        }
  return out;
}

TEST(RopeOps, HandCheckedRotation) {
  // D = 4, theta = 100: pair 0 turns by pos * 1 rad, pair 1 by pos * 0.1 rad.
  Tensor x = Tensor::FromVector({1, 1, 2, 4}, {1, 2, 3, 4, 1, 0, 0, 1});
  Tensor pos = Tensor::FromInts({2}, {0, 1});
  std::vector<float> y = ops::Rope(x, pos, 100.0f)->ToVector();
  const double c1 = std::cos(1.0), s1 = std::sin(1.0), c2 = std::cos(0.1), s2 = std::sin(0.1);
  EXPECT_THAT(y, ::testing::Pointwise(::testing::FloatNear(1e-6),
                                      std::vector<double>{1, 2, 3, 4, c1, s1, -s2, c2}));
}

TEST(RopeOps, MatchesTorchReferenceForSharedAndPerBatchPositions) {
  Tensor x = Tensor::RandN({2, 3, 5, 8}, 7);
  std::vector<int32_t> shared = {0, 1, 2, 7, 100};
  std::vector<int32_t> per_batch = {3, 4, 5, 6, 7, 0, 0, 1, 2, 4096};
  EXPECT_THAT(
      ops::Rope(x, Tensor::FromInts({5}, shared))->ToVector(),
      ::testing::Pointwise(::testing::FloatNear(2e-6), TorchStyleRope(x, shared, false, 10000)));
  EXPECT_THAT(
      ops::Rope(x, Tensor::FromInts({2, 5}, per_batch), 500000.0f)->ToVector(),
      ::testing::Pointwise(::testing::FloatNear(2e-6), TorchStyleRope(x, per_batch, true, 500000)));
}

TEST(RopeOps, NonContiguousInputAndBf16) {
  Tensor base = Tensor::RandN({2, 5, 3, 6}, 3);       // [B, T, H, D]
  Tensor x = base.ViewPermute({0, 2, 1, 3}).value();  // [B, H, T, D], a view
  Tensor pos = Tensor::FromInts({5}, {0, 1, 2, 3, 4});
  Tensor y = ops::Rope(x, pos).value();
  EXPECT_LT(MaxAbsDiff(y, ops::Rope(x.Contiguous(), pos).value()), 1e-7);
  Tensor yb = ops::Rope(x.Contiguous().To(DType::kBF16), pos).value();
  EXPECT_EQ(yb.dtype(), DType::kBF16);
  EXPECT_LT(MaxAbsDiff(yb.To(DType::kF32), y), 0.05);
}

TEST(RopeOps, ErrorsNameTheOpAndShapes) {
  Tensor pos = Tensor::FromInts({4}, {0, 1, 2, 3});
  absl::StatusOr<Tensor> odd = ops::Rope(Tensor::Zeros({1, 2, 4, 5}), pos);
  ASSERT_FALSE(odd.ok());
  EXPECT_THAT(odd.status().message(), ::testing::HasSubstr("rope: x f32[1, 2, 4, 5]"))
      << odd.status();
  EXPECT_THAT(odd.status().message(), ::testing::HasSubstr("must be even")) << odd.status();
  EXPECT_FALSE(ops::Rope(Tensor::Zeros({2, 4, 6}), pos).ok());     // rank 3
  EXPECT_FALSE(ops::Rope(Tensor::Zeros({1, 2, 5, 6}), pos).ok());  // T differs
  EXPECT_FALSE(ops::Rope(Tensor::Zeros({3, 2, 4, 6}),              // B differs
                         Tensor::FromInts({2, 4}, {0, 1, 2, 3, 0, 1, 2, 3}))
                   .ok());
  EXPECT_FALSE(ops::Rope(Tensor::Zeros({1, 2, 4, 6}), Tensor::Zeros({4})).ok());  // f32 pos
  EXPECT_FALSE(ops::Rope(Tensor::Zeros({1, 2, 4, 6}), pos, 0.0f).ok());
  EXPECT_FALSE(ops::Rope(Tensor::Zeros({1, 2, 4, 6}), pos, NAN).ok());
  EXPECT_FALSE(ops::Rope(Tensor::Zeros({1, 2, 4, 6}, DType::kI32), pos).ok());
  EXPECT_FALSE(ops::Rope(Tensor(), pos).ok());
  EXPECT_FALSE(ops::Rope(Tensor::Zeros({1, 2, 4, 6}), Tensor()).ok());
}

TEST(RopeOps, Gradients) {
  auto shared = [](const std::vector<Tensor>& in) {
    return ops::Rope(in[0], Tensor::FromInts({5}, {0, 3, 1, 9, 2}), 100.0f);
  };
  absl::Status s = GradCheck(shared, {Tensor::RandN({2, 3, 5, 6}, 1)});
  EXPECT_TRUE(s.ok()) << s;
  auto per_batch = [](const std::vector<Tensor>& in) { return ops::Rope(in[0], in[1]); };
  s = GradCheck(per_batch,
                {Tensor::RandN({2, 1, 3, 4}, 2), Tensor::FromInts({2, 3}, {5, 6, 7, 1000, 2, 0})});
  EXPECT_TRUE(s.ok()) << s;
}

}  // namespace
}  // namespace vlmlab
