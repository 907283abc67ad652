// cpu_fused layer norm / RMS norm against the reference kernels on random odd shapes, with and
// without weight and bias, and with only some gradients requested.
// Tolerances: forward |d| <= 1e-5 + 1e-5 |ref|; backward |d| <= 1e-4 + 1e-4 |ref|.
#include "gtest/gtest.h"
#include "kernels/api/normalization.h"
#include "kernels/cpu_fused/fused_testing.h"

namespace vlmlab {
namespace {

const std::vector<Shape> kShapes = {{3, 7, 37}, {1, 1}, {5, 1000}, {2, 3}, {4, 0}, {13}};

Shape Rows(const Shape& s) { return {NumElements(Shape(s.begin(), s.end() - 1))}; }

TEST(NormalizationCpuFused, LayerNormMatchesReference) {
  uint64_t seed = 1;
  for (const Shape& shape : kShapes) {
    for (bool affine : {true, false}) {
      const std::string what =
          absl::StrCat("layer_norm ", ShapeString(shape), affine ? "" : " no affine");
      const int64_t c = shape.back();
      // An offset mean checks the variance for cancellation.
      Tensor x = Tensor::RandN(shape, seed++, 2.0f), gy = Tensor::RandN(shape, seed++);
      if (c > 3) x = Tensor::RandUniform(shape, seed++, 300.0f, 301.0f);
      Tensor w = affine ? Tensor::RandN({c}, seed++) : Tensor();
      Tensor b = affine ? Tensor::RandN({c}, seed++) : Tensor();
      Tensor y[2] = {Tensor::Zeros(shape), Tensor::Zeros(shape)};
      Tensor mean[2] = {Tensor::Zeros(Rows(shape)), Tensor::Zeros(Rows(shape))};
      Tensor rstd[2] = {Tensor::Zeros(Rows(shape)), Tensor::Zeros(Rows(shape))};
      Tensor gx[2] = {Tensor::Zeros(shape), Tensor::Zeros(shape)};
      Tensor gw[2] = {Tensor::Zeros({c}), Tensor::Zeros({c})};
      Tensor gb[2] = {Tensor::Zeros({c}), Tensor::Zeros({c})};
      const char* backends[2] = {"cpu_fused", "reference"};
      for (int k = 0; k < 2; ++k) {
        ASSERT_TRUE(BackendKernel(LayerNormKernels(), backends[k])(x, w, b, 1e-5f, &y[k], &mean[k],
                                                                   &rstd[k])
                        .ok());
      }
      for (int k = 0; k < 2; ++k) {  // both backward kernels see the reference statistics
        ASSERT_TRUE(BackendKernel(LayerNormBackwardKernels(), backends[k])(
                        x, w, mean[1], rstd[1], gy, &gx[k], affine ? &gw[k] : nullptr,
                        affine ? &gb[k] : nullptr)
                        .ok());
      }
      EXPECT_THAT(y[0], IsClose(y[1], 1e-5, 1e-5)) << what + " y";
      EXPECT_THAT(mean[0], IsClose(mean[1], 1e-5, 1e-6)) << what + " mean";
      EXPECT_THAT(rstd[0], IsClose(rstd[1], 1e-5, 1e-4)) << what + " rstd";
      EXPECT_THAT(gx[0], IsClose(gx[1], 1e-4, 1e-4)) << what + " gx";
      EXPECT_THAT(gw[0], IsClose(gw[1], 1e-4, 1e-4)) << what + " gweight";
      EXPECT_THAT(gb[0], IsClose(gb[1], 1e-4, 1e-4)) << what + " gbias";
    }
  }
}

TEST(NormalizationCpuFused, LayerNormPartialGradients) {
  Tensor x = Tensor::RandN({6, 29}, 3), gy = Tensor::RandN({6, 29}, 4), w = Tensor::RandN({29}, 5);
  Tensor y = Tensor::Zeros({6, 29}), mean = Tensor::Zeros({6}), rstd = Tensor::Zeros({6});
  ASSERT_TRUE(
      BackendKernel(LayerNormKernels(), "reference")(x, w, Tensor(), 1e-5f, &y, &mean, &rstd).ok());
  Tensor gw_fused = Tensor::Zeros({29}), gw_ref = Tensor::Zeros({29});
  ASSERT_TRUE(BackendKernel(LayerNormBackwardKernels(), "cpu_fused")(x, w, mean, rstd, gy, nullptr,
                                                                     &gw_fused, nullptr)
                  .ok());
  Tensor gx = Tensor::Zeros({6, 29});
  ASSERT_TRUE(BackendKernel(LayerNormBackwardKernels(), "reference")(x, w, mean, rstd, gy, &gx,
                                                                     &gw_ref, nullptr)
                  .ok());
  EXPECT_THAT(gw_fused, IsClose(gw_ref, 1e-5, 1e-5)) << "gweight alone";
}

TEST(NormalizationCpuFused, RmsNormMatchesReference) {
  uint64_t seed = 100;
  for (const Shape& shape : kShapes) {
    for (bool affine : {true, false}) {
      const std::string what =
          absl::StrCat("rms_norm ", ShapeString(shape), affine ? "" : " no weight");
      const int64_t c = shape.back();
      Tensor x = Tensor::RandN(shape, seed++, 2.0f), gy = Tensor::RandN(shape, seed++);
      Tensor w = affine ? Tensor::RandN({c}, seed++) : Tensor();
      Tensor y[2] = {Tensor::Zeros(shape), Tensor::Zeros(shape)};
      Tensor rstd[2] = {Tensor::Zeros(Rows(shape)), Tensor::Zeros(Rows(shape))};
      Tensor gx[2] = {Tensor::Zeros(shape), Tensor::Zeros(shape)};
      Tensor gw[2] = {Tensor::Zeros({c}), Tensor::Zeros({c})};
      const char* backends[2] = {"cpu_fused", "reference"};
      for (int k = 0; k < 2; ++k) {
        ASSERT_TRUE(
            BackendKernel(RmsNormKernels(), backends[k])(x, w, 1e-6f, &y[k], &rstd[k]).ok());
      }
      for (int k = 0; k < 2; ++k) {  // both backward kernels see the reference statistics
        ASSERT_TRUE(BackendKernel(RmsNormBackwardKernels(), backends[k])(x, w, rstd[1], gy, &gx[k],
                                                                         affine ? &gw[k] : nullptr)
                        .ok());
      }
      EXPECT_THAT(y[0], IsClose(y[1], 1e-5, 1e-5)) << what + " y";
      EXPECT_THAT(rstd[0], IsClose(rstd[1], 1e-5, 1e-5)) << what + " rstd";
      EXPECT_THAT(gx[0], IsClose(gx[1], 1e-4, 1e-4)) << what + " gx";
      EXPECT_THAT(gw[0], IsClose(gw[1], 1e-4, 1e-4)) << what + " gweight";
    }
  }
}

}  // namespace
}  // namespace vlmlab
