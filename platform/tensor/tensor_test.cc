#include "platform/tensor/tensor.h"

#include "gtest/gtest.h"

namespace vlmlab {
namespace {

TEST(Tensor, FactoriesShapesAndValues) {
  Tensor x = Tensor::FromVector({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(x.shape(), (Shape{2, 3}));
  EXPECT_EQ(x.numel(), 6);
  EXPECT_EQ(x.size(-1), 3);
  EXPECT_TRUE(x.is_contiguous());
  EXPECT_EQ(x.DebugString(), "f32[2, 3] cpu");
  EXPECT_EQ(Tensor::Full({2}, 7).ToVector(), (std::vector<float>{7, 7}));
  EXPECT_EQ(Tensor::FromInts({2}, {3, -1}).ToInts(), (std::vector<int32_t>{3, -1}));
  EXPECT_FALSE(Tensor::Empty({2, -1}).ok());
}

TEST(Tensor, ViewsShareStorageAndContiguousCopies) {
  Tensor x = Tensor::FromVector({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor t = x.ViewTranspose(0, 1).value();
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_EQ(t.ToVector(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(t.storage(), x.storage());
  Tensor c = t.Contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_NE(c.storage(), x.storage());
  Tensor s = x.ViewSlice(1, 1, 3).value();
  EXPECT_EQ(s.ToVector(), (std::vector<float>{2, 3, 5, 6}));
  Tensor p =
      Tensor::FromVector({2, 3, 4}, std::vector<float>(24, 0)).ViewPermute({2, 0, 1}).value();
  EXPECT_EQ(p.shape(), (Shape{4, 2, 3}));
  EXPECT_FALSE(x.ViewReshape({4, 2}).ok());
  EXPECT_FALSE(t.ViewReshape({6}).ok());  // not contiguous
  EXPECT_TRUE(x.ViewReshape({3, 2}).ok());
  EXPECT_FALSE(x.ViewSlice(0, 1, 3).ok());
  EXPECT_FALSE(x.ViewPermute({0, 0}).ok());
}

TEST(Tensor, Bf16RoundTripAndRounding) {
  Tensor x = Tensor::FromVector({3}, {1.0f, 1.00390625f, -3.5f});
  Tensor h = x.To(DType::kBF16);
  EXPECT_EQ(h.dtype(), DType::kBF16);
  std::vector<float> back = h.ToVector();
  EXPECT_EQ(back[0], 1.0f);
  EXPECT_EQ(back[1], 1.0f);  // halfway rounds to even
  EXPECT_EQ(back[2], -3.5f);
  EXPECT_EQ(Bf16ToFloat(FloatToBf16(1.01171875f)), 1.015625f);
}

TEST(Tensor, RandomIsDeterministicPerSeed) {
  Tensor a = Tensor::RandN({1000}, 7), b = Tensor::RandN({1000}, 7), c = Tensor::RandN({1000}, 8);
  EXPECT_EQ(a.ToVector(), b.ToVector());
  EXPECT_NE(a.ToVector(), c.ToVector());
  double mean = 0, var = 0;
  for (float v : a.ToVector()) mean += v / 1000.0;
  for (float v : a.ToVector()) var += (v - mean) * (v - mean) / 1000.0;
  EXPECT_NEAR(mean, 0, 0.1);
  EXPECT_NEAR(var, 1, 0.15);
}

TEST(Shape, Broadcasting) {
  EXPECT_EQ(BroadcastShapes({4, 1, 3}, {5, 3}).value(), (Shape{4, 5, 3}));
  EXPECT_FALSE(BroadcastShapes({2, 3}, {4, 3}).ok());
  EXPECT_EQ(NormalizeAxis(-1, 3).value(), 2);
  EXPECT_FALSE(NormalizeAxis(3, 3).ok());
}

}  // namespace
}  // namespace vlmlab
