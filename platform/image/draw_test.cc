#include "platform/image/draw.h"

#include <cmath>

#include "gtest/gtest.h"

namespace vlmlab {
namespace {

// Sum over pixels of how far the red channel moved from 0 to 255: the drawn area in pixels.
double RedArea(const Image& img) {
  double area = 0;
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) area += img.at(x, y)[0] / 255.0;
  }
  return area;
}

TEST(DrawTest, CircleAreaMatchesPiRSquared) {
  Image img(64, 64, 3);
  FillCircle(&img, 31.3f, 30.7f, 12.f, Rgb{255, 0, 0});
  EXPECT_NEAR(RedArea(img), M_PI * 144, 3.0);
  // The centre is exactly the colour; far outside is untouched.
  EXPECT_EQ(img.at(31, 30)[0], 255);
  EXPECT_EQ(img.at(31, 30)[1], 0);
  EXPECT_EQ(img.at(2, 2)[0], 0);
}

TEST(DrawTest, PolygonAreasAreExact) {
  Image img(64, 64, 3);
  FillPolygon(&img, {{10.5f, 10.f}, {30.5f, 10.f}, {30.5f, 20.f}, {10.5f, 20.f}}, Rgb{255, 0, 0});
  EXPECT_NEAR(RedArea(img), 200.0, 0.6);
  Image tri(64, 64, 3);
  FillPolygon(&tri, {{10.f, 50.f}, {50.f, 50.f}, {30.f, 10.f}}, Rgb{255, 0, 0});
  EXPECT_NEAR(RedArea(tri), 800.0, 3.0);
}

TEST(DrawTest, NonConvexStarLeavesItsNotchesEmpty) {
  std::vector<PointF> star;
  for (int i = 0; i < 10; ++i) {
    float r = i % 2 == 0 ? 20.f : 8.f;
    float a = -M_PI / 2 + i * M_PI / 5;
    star.push_back({32 + r * std::cos(a), 32 + r * std::sin(a)});
  }
  Image img(64, 64, 3);
  FillPolygon(&img, star, Rgb{255, 0, 0});
  EXPECT_EQ(img.at(32, 32)[0], 255);  // centre
  EXPECT_EQ(img.at(32, 17)[0], 255);  // inside the top point
  // Between the two upper points, at the outer radius, is outside.
  EXPECT_EQ(img.at(static_cast<int>(32 + 16 * std::cos(-M_PI / 2 + M_PI / 5)),
                   static_cast<int>(32 + 16 * std::sin(-M_PI / 2 + M_PI / 5)))[0],
            0);
}

TEST(DrawTest, ClipsAndBlends) {
  Image img(8, 8, 3);
  FillRect(&img, -5, -5, 3, 100, Rgb{10, 20, 30});
  EXPECT_EQ(img.at(2, 7)[2], 30);
  EXPECT_EQ(img.at(3, 7)[2], 0);
  FillCircle(&img, -100, -100, 5, Rgb{255, 255, 255});  // wholly outside: no crash
  BlendPixel(&img, 7, 7, Rgb{200, 200, 200}, 0.5f);
  EXPECT_EQ(img.at(7, 7)[0], 100);
  Image gray(4, 4, 1);
  FillImage(&gray, Rgb{255, 255, 255});
  EXPECT_EQ(gray.at(3, 3)[0], 255);
}

}  // namespace
}  // namespace vlmlab
