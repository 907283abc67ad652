#include "plugins/encoders/position_embedding.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace vlmlab {
namespace {

TEST(LinearResizeWeights, HandCheckedHalfPixelCentres) {
  // 2 -> 4 samples, as PyTorch's interpolate(mode="linear", align_corners=False).
  EXPECT_EQ(LinearResizeWeights(2, 4).ToVector(),
            (std::vector<float>{1, 0, 0.75, 0.25, 0.25, 0.75, 0, 1}));
  // 4 -> 2: the midpoints of pairs.
  EXPECT_EQ(LinearResizeWeights(4, 2).ToVector(),
            (std::vector<float>{0.5, 0.5, 0, 0, 0, 0, 0.5, 0.5}));
  // Unchanged: the identity.
  EXPECT_EQ(LinearResizeWeights(3, 3).ToVector(), (std::vector<float>{1, 0, 0, 0, 1, 0, 0, 0, 1}));
}

TEST(BilinearResizeMatrix, IsTheOuterProductAndRowsSumToOne) {
  Tensor m = BilinearResizeMatrix(2, 2, 4, 3);
  ASSERT_EQ(m.shape(), (Shape{12, 4}));
  std::vector<float> v = m.ToVector(), wy = LinearResizeWeights(2, 4).ToVector(),
                     wx = LinearResizeWeights(2, 3).ToVector();
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 3; ++x) {
      double sum = 0;
      for (int a = 0; a < 2; ++a) {
        for (int b = 0; b < 2; ++b) {
          EXPECT_FLOAT_EQ(v[(y * 3 + x) * 4 + a * 2 + b], wy[y * 2 + a] * wx[x * 2 + b]);
          sum += v[(y * 3 + x) * 4 + a * 2 + b];
        }
      }
      EXPECT_NEAR(sum, 1.0, 1e-6);
    }
  }
  std::vector<float> identity(16 * 16, 0.0f);
  for (int i = 0; i < 16; ++i) identity[i * 16 + i] = 1;
  EXPECT_EQ(BilinearResizeMatrix(4, 4, 4, 4).ToVector(), identity);
}

TEST(SinCos2d, RowsAndColumnsInTheirHalves) {
  Tensor t = SinCos2d(2, 3, 8);  // q = 2, omegas 1 and 0.01
  ASSERT_EQ(t.shape(), (Shape{6, 8}));
  std::vector<float> v = t.ToVector();
  const int y = 1, x = 2;
  const float* row = v.data() + (y * 3 + x) * 8;
  EXPECT_FLOAT_EQ(row[0], std::sin(1.0f));
  EXPECT_FLOAT_EQ(row[1], std::sin(0.01f));
  EXPECT_FLOAT_EQ(row[2], std::cos(1.0f));
  EXPECT_FLOAT_EQ(row[4], std::sin(2.0f));
  EXPECT_FLOAT_EQ(row[5], std::sin(0.02f));
  EXPECT_FLOAT_EQ(row[7], std::cos(0.02f));
  // Position (0, 0): sines 0, cosines 1.
  EXPECT_EQ(std::vector<float>(v.begin(), v.begin() + 8),
            (std::vector<float>{0, 0, 1, 1, 0, 0, 1, 1}));
}

}  // namespace
}  // namespace vlmlab
