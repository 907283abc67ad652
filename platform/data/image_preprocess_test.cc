#include "platform/data/image_preprocess.h"

#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/data/data_testing.h"

namespace vlmlab::data {
namespace {

std::vector<float> Resample1D(const std::vector<float>& row, int out) {
  return ResampleRegion(row, 1, static_cast<int>(row.size()), 1, 0, 0, row.size(), 1, out, 1);
}

TEST(ResampleTest, IdentityIsExact) {
  std::vector<float> planes(2 * 5 * 3);
  for (size_t i = 0; i < planes.size(); ++i) planes[i] = static_cast<float>(i * 0.37);
  EXPECT_EQ(ResampleRegion(planes, 2, 5, 3, 0, 0, 5, 3, 5, 3), planes);
}

TEST(ResampleTest, UpscaleIsBilinearWithHalfPixelCentres) {
  // Output centres map to source -0.25, 0.25, 0.75, 1.25; edges clamp.
  EXPECT_THAT(Resample1D({0, 1}, 4), ::testing::Pointwise(::testing::FloatNear(1e-5),
                                                          std::vector<float>{0, 0.25f, 0.75f, 1}));
}

TEST(ResampleTest, DownscaleAveragesEverySourcePixel) {
  // Halving: triangle of half-width 2 centred at 0.5 and 2.5 gives weights 1/8, 3/8, 3/8, 1/8
  // (clamped at the edges): out0 = (1/8 + 3/8) * 0 + 3/8 * 1 + 1/8 * 2 = 0.625,
  // out1 = 1/8 * 1 + 3/8 * 2 + (3/8 + 1/8) * 3 = 2.375.
  EXPECT_THAT(Resample1D({0, 1, 2, 3}, 2),
              ::testing::Pointwise(::testing::FloatNear(1e-5), std::vector<float>{0.625f, 2.375f}));
  // A 1-pixel stripe still counts when shrinking 8 -> 2 (plain bilinear would miss it).
  std::vector<float> stripe = {0, 0, 0, 0, 0, 0, 0, 8};
  std::vector<float> out = Resample1D(stripe, 2);
  EXPECT_GT(out[1], 0.5f);
  EXPECT_NEAR((out[0] + out[1]) / 2, 1.0f, 0.3f);  // roughly the mean, 1
}

TEST(ResampleTest, ConstantStaysConstant) {
  std::vector<float> planes(3 * 17 * 9, 0.4f);
  for (auto [w, h] : std::vector<std::pair<int, int>>{{5, 3}, {40, 31}, {1, 1}, {17, 9}}) {
    for (float v : ResampleRegion(planes, 3, 17, 9, 0, 0, 17, 9, w, h)) EXPECT_NEAR(v, 0.4f, 1e-6);
  }
}

float Norm(uint8_t v, float mean, float std) { return (v / 255.0f - mean) / std; }

TEST(PreprocessTest, PadKeepsAspectAndPadsWithTheMean) {
  Image img = testing::TestImage(8, 4, 3);
  ImagePreprocessOptions o;
  o.size = 8;
  o.norm = Normalization::Siglip();
  absl::StatusOr<PreprocessedImage> p = PreprocessImage(img, o);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->pixels.shape(), (Shape{1, 3, 8, 8}));
  const float* d = p->pixels.data<float>();
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 8; ++y) {
      for (int x = 0; x < 8; ++x) {
        const float v = d[(c * 8 + y) * 8 + x];
        if (y < 2 || y >= 6) {
          EXPECT_EQ(v, 0.0f);  // the mean colour, normalised
        } else {
          EXPECT_NEAR(v, Norm(img.at(x, y - 2)[c], 0.5f, 0.5f), 1e-5);  // scale 1: a copy
        }
      }
    }
  }
  o.pad_with_mean = false;
  p = PreprocessImage(img, o);
  EXPECT_NEAR(p->pixels.data<float>()[0], -1.0f, 1e-6);  // black under SigLIP statistics
}

TEST(PreprocessTest, CenterCropTakesTheMiddle) {
  Image img = testing::TestImage(8, 4, 1);
  ImagePreprocessOptions o;
  o.size = 4;
  o.mode = ResizeMode::kCenterCrop;
  o.norm = Normalization::Clip();
  absl::StatusOr<PreprocessedImage> p = PreprocessImage(img, o);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->pixels.shape(), (Shape{1, 3, 4, 4}));
  const float* d = p->pixels.data<float>();
  const Normalization n = Normalization::Clip();
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 4; ++y) {
      for (int x = 0; x < 4; ++x) {
        EXPECT_NEAR(d[(c * 4 + y) * 4 + x], Norm(img.at(x + 2, y)[c], n.mean[c], n.std[c]), 1e-5);
      }
    }
  }
}

TEST(PreprocessTest, NativeRoundsToThePatchSize) {
  ImagePreprocessOptions o;
  o.mode = ResizeMode::kNative;
  o.size = 64;
  o.patch_size = 16;
  auto shape = [&](int w, int h) {
    absl::StatusOr<PreprocessedImage> p = PreprocessImage(testing::TestImage(w, h), o);
    EXPECT_TRUE(p.ok()) << p.status();
    return p->pixels.shape();
  };
  EXPECT_EQ(shape(100, 50), (Shape{1, 3, 32, 64}));  // shrunk by 0.64
  EXPECT_EQ(shape(30, 20), (Shape{1, 3, 16, 32}));   // not enlarged; 30 -> 32, 20 -> 16
  EXPECT_EQ(shape(3, 200), (Shape{1, 3, 64, 16}));   // at least one patch
  o.patch_size = 14;
  EXPECT_EQ(shape(64, 64), (Shape{1, 3, 56, 56}));  // never above size: 64 -> 56
}

TEST(PreprocessTest, SplittingIntoTilesPlusAGlobalView) {
  Image img = testing::TestImage(100, 50, 2);
  ImagePreprocessOptions o;
  o.size = 32;
  o.mode = ResizeMode::kStretch;
  o.max_tiles_per_side = 4;
  o.norm = Normalization::Identity();
  absl::StatusOr<PreprocessedImage> p = PreprocessImage(img, o);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->rows, 2);
  EXPECT_EQ(p->cols, 4);
  ASSERT_EQ(p->pixels.shape(), (Shape{9, 3, 32, 32}));
  // Tile (1, 2) is the region [50, 75) x [25, 50) of the image resized to 32 x 32; the last
  // view is the whole image.
  const std::vector<float> planes = ToPlanar(img, 3);
  const int64_t view = 3 * 32 * 32;
  std::vector<float> all = p->pixels.ToVector();
  std::vector<float> tile = ResampleRegion(planes, 3, 100, 50, 50, 25, 25, 25, 32, 32);
  EXPECT_THAT(std::vector<float>(all.begin() + 6 * view, all.begin() + 7 * view),
              ::testing::Pointwise(::testing::FloatNear(1e-5), tile));
  std::vector<float> whole = ResampleRegion(planes, 3, 100, 50, 0, 0, 100, 50, 32, 32);
  EXPECT_THAT(std::vector<float>(all.begin() + 8 * view, all.end()),
              ::testing::Pointwise(::testing::FloatNear(1e-5), whole));
  // Large images are shrunk to at most 4 tiles a side; small ones give only the global view.
  p = PreprocessImage(testing::TestImage(400, 100), o);
  EXPECT_EQ(p->rows * p->cols, 4);  // 128 x 32 after the shrink: 4 x 1
  p = PreprocessImage(testing::TestImage(20, 30), o);
  EXPECT_EQ(p->pixels.size(0), 1);
}

TEST(PreprocessTest, ChannelConversion) {
  Image gray(2, 1, 1);
  gray.pixels = {0, 255};
  ImagePreprocessOptions o;
  o.mode = ResizeMode::kStretch;
  o.size = 2;
  o.norm = Normalization::Identity();
  absl::StatusOr<PreprocessedImage> p = PreprocessImage(gray, o);
  ASSERT_TRUE(p.ok());
  EXPECT_THAT(p->pixels.ToVector(), ::testing::Pointwise(::testing::FloatNear(1e-5),
                                                         {0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}));
  Image rgba(1, 1, 4);
  rgba.pixels = {255, 0, 0, 7};
  o.size = 1;
  o.channels = 1;
  p = PreprocessImage(rgba, o);
  ASSERT_TRUE(p.ok());
  EXPECT_THAT(p->pixels.ToVector(),
              ::testing::Pointwise(::testing::FloatNear(1e-5), std::vector<float>{0.299f}));
}

TEST(PreprocessTest, BadOptionsAndImagesAreErrors) {
  ImagePreprocessOptions o;
  Image img = testing::TestImage(4, 4);
  o.size = 0;
  EXPECT_THAT(PreprocessImage(img, o).status().message(), ::testing::HasSubstr("size 0"));
  o = ImagePreprocessOptions();
  o.norm.std[1] = 0;
  EXPECT_THAT(PreprocessImage(img, o).status().message(), ::testing::HasSubstr("channel 1"));
  o = ImagePreprocessOptions();
  o.channels = 2;
  EXPECT_FALSE(PreprocessImage(img, o).ok());
  o = ImagePreprocessOptions();
  o.mode = ResizeMode::kNative;
  o.max_tiles_per_side = 2;
  EXPECT_FALSE(PreprocessImage(img, o).ok());
  EXPECT_FALSE(PreprocessImage(Image(), ImagePreprocessOptions()).ok());
  Image broken = testing::TestImage(4, 4);
  broken.pixels.resize(5);
  EXPECT_FALSE(PreprocessImage(broken, ImagePreprocessOptions()).ok());
}

}  // namespace
}  // namespace vlmlab::data
