#include "platform/ops/shape_ops.h"

#include "gtest/gtest.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/testing/gradcheck.h"

namespace vlmlab {
namespace {

TEST(ShapeOps, ValuesAndViews) {
  Tensor x = Tensor::FromVector({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(ops::Reshape(x, {3, -1})->shape(), (Shape{3, 2}));
  EXPECT_EQ(ops::Transpose(x, 0, 1)->ToVector(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(ops::Reshape(*ops::Transpose(x, 0, 1), {6})->ToVector(),
            (std::vector<float>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(ops::Slice(x, 1, 1, 3)->ToVector(), (std::vector<float>{2, 3, 5, 6}));
  EXPECT_EQ(ops::Concat({x, x}, 0)->shape(), (Shape{4, 3}));
  EXPECT_EQ(ops::Concat({x, *ops::Slice(x, 1, 0, 1)}, 1)->ToVector(),
            (std::vector<float>{1, 2, 3, 1, 4, 5, 6, 4}));
  auto parts = ops::Split(x, {1, 2}, 1);
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ((*parts)[1].ToVector(), (std::vector<float>{2, 3, 5, 6}));
  EXPECT_EQ(ops::Sum(x)->ToVector(), (std::vector<float>{21}));
  EXPECT_EQ(ops::Sum(x, {0})->ToVector(), (std::vector<float>{5, 7, 9}));
  EXPECT_EQ(ops::Mean(x, {-1}, true)->shape(), (Shape{2, 1}));
  EXPECT_EQ(ops::Mean(x, {-1})->ToVector(), (std::vector<float>{2, 5}));
}

TEST(ShapeOps, Errors) {
  Tensor x = Tensor::Zeros({2, 3});
  EXPECT_FALSE(ops::Reshape(x, {4, 2}).ok());
  EXPECT_FALSE(ops::Reshape(x, {-1, -1}).ok());
  EXPECT_FALSE(ops::Transpose(x, 0, 2).ok());
  EXPECT_FALSE(ops::Slice(x, 1, 2, 5).ok());
  EXPECT_FALSE(ops::Concat({x, Tensor::Zeros({3, 3})}, 1).ok());
  EXPECT_FALSE(ops::Split(x, {1, 1}, 1).ok());
  EXPECT_FALSE(ops::Sum(x, {0, 0}).ok());
}

TEST(ShapeOps, GradientsMatchFiniteDifferences) {
  Tensor x = Tensor::RandN({3, 4, 5}, 1), y = Tensor::RandN({3, 2, 5}, 2);
  std::vector<std::pair<const char*, TensorFunction>> cases = {
      {"reshape",
       [](const std::vector<Tensor>& in) {
         return ops::Reshape(in[0], {4, 15});
       }},
      {"permute",
       [](const std::vector<Tensor>& in) {
         return ops::Permute(in[0], {2, 0, 1});
       }},
      {"transpose+reshape",
       [](const std::vector<Tensor>& in) -> absl::StatusOr<Tensor> {
         auto t = ops::Transpose(in[0], 0, 2);
         if (!t.ok()) return t;
         return ops::Reshape(*t, {-1});
       }},
      {"slice", [](const std::vector<Tensor>& in) { return ops::Slice(in[0], 1, 1, 3); }},
      {"concat",
       [](const std::vector<Tensor>& in) {
         return ops::Concat({in[0], in[1]}, 1);
       }},
      {"split",
       [](const std::vector<Tensor>& in) -> absl::StatusOr<Tensor> {
         auto parts = ops::Split(in[0], {1, 3}, 1);
         if (!parts.ok()) return parts.status();
         return ops::Mul((*parts)[0], ops::Slice((*parts)[1], 1, 0, 1).value());
       }},
      {"sum",
       [](const std::vector<Tensor>& in) {
         return ops::Sum(in[0], {0, 2});
       }},
      {"mean", [](const std::vector<Tensor>& in) { return ops::Mean(in[0], {1}, true); }},
  };
  for (auto& [name, f] : cases) {
    absl::Status s = GradCheck(f, {x, y});
    EXPECT_TRUE(s.ok()) << name << ": " << s;
  }
}

}  // namespace
}  // namespace vlmlab
