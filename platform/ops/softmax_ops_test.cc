#include "platform/ops/softmax_ops.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/ops/shape_ops.h"
#include "platform/ops/testing/gradcheck.h"

namespace vlmlab {
namespace {

TEST(SoftmaxOps, HandCheckedValues) {
  // softmax([0, ln 2]) = [1/3, 2/3].
  Tensor x = Tensor::FromVector({1, 2}, {0.0f, std::log(2.0f)});
  std::vector<float> p = ops::Softmax(x)->ToVector();
  EXPECT_NEAR(p[0], 1.0 / 3, 1e-6);
  EXPECT_NEAR(p[1], 2.0 / 3, 1e-6);
  std::vector<float> lp = ops::LogSoftmax(x)->ToVector();
  EXPECT_NEAR(lp[0], std::log(1.0 / 3), 1e-6);
  EXPECT_NEAR(lp[1], std::log(2.0 / 3), 1e-6);
}

TEST(SoftmaxOps, StableForLargeAndNegativeInputs) {
  Tensor x = Tensor::FromVector({2, 2}, {1000.0f, 1000.0f + std::log(2.0f), -1e4f, 0.0f});
  std::vector<float> p = ops::Softmax(x)->ToVector();
  EXPECT_NEAR(p[0], 1.0 / 3, 1e-4);
  EXPECT_NEAR(p[1], 2.0 / 3, 1e-4);
  EXPECT_EQ(p[2], 0.0f);
  EXPECT_EQ(p[3], 1.0f);
  std::vector<float> lp = ops::LogSoftmax(x)->ToVector();
  EXPECT_NEAR(lp[2], -1e4f, 1e-2);  // finite, not -inf
  EXPECT_NEAR(lp[3], 0.0f, 1e-6);
}

TEST(SoftmaxOps, RowsSumToOneAndViewsWork) {
  Tensor x = Tensor::RandN({3, 7, 37}, 11, 3.0f);
  std::vector<float> p = ops::Softmax(x)->ToVector();
  for (int r = 0; r < 21; ++r) {
    double sum = 0;
    for (int j = 0; j < 37; ++j) sum += p[r * 37 + j];
    EXPECT_NEAR(sum, 1.0, 1e-5);
  }
  // A transposed (non-contiguous) input gives the softmax of its values.
  Tensor t = ops::Transpose(Tensor::RandN({5, 4}, 12), 0, 1).value();
  EXPECT_EQ(MaxAbsDiff(ops::Softmax(t).value(), ops::Softmax(t.Contiguous()).value()), 0.0);
  // bf16 in, bf16 out, close to the f32 result.
  Tensor xb = ops::Softmax(x.To(DType::kBF16)).value();
  EXPECT_EQ(xb.dtype(), DType::kBF16);
  EXPECT_LT(MaxAbsDiff(xb.To(DType::kF32), ops::Softmax(x).value()), 1e-2);
}

TEST(SoftmaxOps, GradientsMatchFiniteDifferences) {
  GradCheckOptions tight;  // softmax gradients of long rows are small
  tight.atol = 1e-4;
  tight.rtol = 3e-3;
  for (const Shape& shape : {Shape{3, 7, 37}, Shape{1, 1}, Shape{5, 1000}, Shape{9}}) {
    Tensor x = Tensor::RandN(shape, 21);
    absl::Status s =
        GradCheck([](const std::vector<Tensor>& in) { return ops::Softmax(in[0]); }, {x}, tight);
    EXPECT_TRUE(s.ok()) << "softmax " << ShapeString(shape) << ": " << s;
    // Long log-softmax rows hold outputs near -log(C): their f32 rounding makes the finite
    // difference noisier, so those use a wider step and tolerance.
    GradCheckOptions noisy;
    noisy.eps = 1e-2;
    noisy.atol = 2e-3;
    noisy.rtol = 2e-2;
    s = GradCheck([](const std::vector<Tensor>& in) { return ops::LogSoftmax(in[0]); }, {x},
                  shape.back() > 100 ? noisy : tight);
    EXPECT_TRUE(s.ok()) << "log_softmax " << ShapeString(shape) << ": " << s;
  }
}

TEST(SoftmaxOps, ErrorsNameTheOpAndShape) {
  absl::StatusOr<Tensor> r = ops::Softmax(Tensor::Full({}, 1.0f));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("softmax: input f32[] cpu: needs at least one axis"),
            std::string::npos)
      << r.status();
  r = ops::LogSoftmax(Tensor::FromInts({2}, {1, 2}));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), ::testing::HasSubstr("log_softmax")) << r.status();
  EXPECT_FALSE(ops::Softmax(Tensor()).ok());
  // An empty tensor is fine.
  EXPECT_TRUE(ops::Softmax(Tensor::Zeros({0, 3})).ok());
}

}  // namespace
}  // namespace vlmlab
