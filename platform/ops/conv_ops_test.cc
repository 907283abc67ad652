#include "platform/ops/conv_ops.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/autograd/backward.h"
#include "platform/ops/testing/gradcheck.h"

namespace vlmlab {
namespace {

void ExpectError(const absl::StatusOr<Tensor>& r, const std::string& text) {
  ASSERT_FALSE(r.ok()) << "expected an error containing: " << text;
  EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr(text)) << r.status();
}

TEST(Conv2d, HandCheckedThreeByThreePaddedSumOfNeighbours) {
  // One channel, a 3x3 image 1..9, an all-ones 3x3 kernel, padding 1: each output is the sum
  // of the cell and its neighbours inside the image, plus the bias 0.5.
  Tensor x = Tensor::FromVector({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  Tensor w = Tensor::Full({1, 1, 3, 3}, 1.0f);
  Tensor b = Tensor::FromVector({1}, {0.5f});
  absl::StatusOr<Tensor> y = ops::Conv2d(x, w, b, {.stride = 1, .padding = 1});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape(), (Shape{1, 3, 3, 1}));
  EXPECT_EQ(y->ToVector(),
            (std::vector<float>{12.5, 21.5, 16.5, 27.5, 45.5, 33.5, 24.5, 39.5, 28.5}));
  // Stride 2 keeps the corners.
  absl::StatusOr<Tensor> s = ops::Conv2d(x, w, b, {.stride = 2, .padding = 1});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->ToVector(), (std::vector<float>{12.5, 16.5, 24.5, 28.5}));
}

TEST(Conv2d, ChannelsMixWithThePyTorchWeightLayout) {
  // x: 1x1 image with channels (1, 2); weight [Cout=2, Cin=2, 1, 1] = [[1, 10], [100, 1000]].
  Tensor x = Tensor::FromVector({1, 1, 1, 2}, {1, 2});
  Tensor w = Tensor::FromVector({2, 2, 1, 1}, {1, 10, 100, 1000});
  EXPECT_EQ(ops::Conv2d(x, w)->ToVector(), (std::vector<float>{21, 2100}));
  // A 2x2 kernel on a 2x2 image: weight[0, 0, ky, kx] picks (ky, kx).
  Tensor img = Tensor::FromVector({1, 2, 2, 1}, {1, 2, 3, 4});
  Tensor k = Tensor::FromVector({1, 1, 2, 2}, {1, 10, 100, 1000});
  EXPECT_EQ(ops::Conv2d(img, k)->ToVector(), (std::vector<float>{4321}));
}

TEST(Conv2d, Errors) {
  Tensor x = Tensor::RandN({1, 4, 4, 3}, 1);
  ExpectError(ops::Conv2d(x, Tensor::RandN({2, 4, 3, 3}, 2)),
              "weight takes 4 input channels but the input has 3");
  ExpectError(ops::Conv2d(Tensor::RandN({4, 4, 3}, 1), Tensor::RandN({2, 3, 3, 3}, 2)),
              "must both have 4 axes");
  ExpectError(ops::Conv2d(x, Tensor::RandN({2, 3, 5, 5}, 2)),
              "the kernel does not fit in the padded image");
  ExpectError(ops::Conv2d(x, Tensor::RandN({2, 3, 3, 3}, 2), Tensor::RandN({3}, 3)),
              "bias must be [2]");
  ExpectError(ops::Conv2d(x, Tensor::RandN({2, 3, 3, 3}, 2), Tensor(), {.stride = 0}),
              "stride must be >= 1");
}

TEST(Conv2d, GradientsMatchFiniteDifferences) {
  struct Case {
    Shape x, w;
    int64_t stride, padding;
  };
  for (const Case& c : std::vector<Case>{{{2, 5, 4, 3}, {4, 3, 3, 3}, 1, 1},
                                         {{1, 7, 6, 2}, {3, 2, 3, 3}, 2, 1},
                                         {{2, 4, 4, 3}, {2, 3, 2, 2}, 2, 0},
                                         {{1, 5, 5, 1}, {2, 1, 1, 1}, 1, 0}}) {
    SCOPED_TRACE(ShapeString(c.x) + " " + ShapeString(c.w));
    ops::Conv2dOptions o{c.stride, c.padding};
    absl::Status s = GradCheck(
        [o](const std::vector<Tensor>& in) { return ops::Conv2d(in[0], in[1], in[2], o); },
        {Tensor::RandN(c.x, 1), Tensor::RandN(c.w, 2, 0.5f), Tensor::RandN({c.w[0]}, 3)});
    EXPECT_TRUE(s.ok()) << s;
    // Without a bias.
    s = GradCheck([o](const std::vector<Tensor>& in) { return ops::Conv2d(in[0], in[1], {}, o); },
                  {Tensor::RandN(c.x, 4), Tensor::RandN(c.w, 5, 0.5f)});
    EXPECT_TRUE(s.ok()) << s;
  }
}

TEST(Conv2d, MacCount) { EXPECT_EQ(ops::Conv2dMacs(2, 4, 4, 3, 8, 3, 3), 2 * 16 * 8 * 27); }

}  // namespace
}  // namespace vlmlab
