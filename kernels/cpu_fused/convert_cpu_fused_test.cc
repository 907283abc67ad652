// The fused dtype conversion against the reference, bit for bit, on values that exercise the
// rounding (ties to even), infinities, NaNs and denormals, at lengths off the vector width.
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/api/convert.h"
#include "kernels/cpu_fused/fused_testing.h"

namespace vlmlab {
namespace {

float FromBits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

TEST(ConvertCpuFused, F32ToBf16AndBackEqualTheReferenceBitForBit) {
  std::vector<float> values = {0.0f, -0.0f, 1.0f, 1.00390625f /* tie, rounds to even */,
                               FromBits(0x3f818000) /* tie, rounds up */,
                               std::numeric_limits<float>::infinity(),
                               -std::numeric_limits<float>::infinity(),
                               std::numeric_limits<float>::quiet_NaN(), FromBits(0x7f800001),
                               FromBits(0x00000001) /* denormal */, 3.4e38f, -1e-30f};
  for (uint32_t i = 0; i < 70001; ++i) values.push_back(FromBits(i * 61379u + 12345u));
  for (int64_t n : {int64_t{1}, int64_t{7}, int64_t{9}, static_cast<int64_t>(values.size())}) {
    Tensor x = Tensor::FromVector({n}, std::vector<float>(values.begin(), values.begin() + n));
    Tensor want = Tensor::Uninitialized({n}, DType::kBF16, x.device()).value();
    Tensor got = Tensor::Uninitialized({n}, DType::kBF16, x.device()).value();
    ASSERT_TRUE(BackendKernel(ConvertKernels(), "reference")(x, &want).ok());
    ASSERT_TRUE(ConvertKernels().FindBackend("cpu_fused", DType::kBF16)->fn(x, &got).ok());
    ASSERT_EQ(std::memcmp(got.data<uint16_t>(), want.data<uint16_t>(), n * 2), 0) << n;
    Tensor back = Tensor::Uninitialized({n}, DType::kF32, x.device()).value();
    Tensor back_want = Tensor::Uninitialized({n}, DType::kF32, x.device()).value();
    ASSERT_TRUE(ConvertKernels().FindBackend("cpu_fused", DType::kF32)->fn(got, &back).ok());
    ASSERT_TRUE(BackendKernel(ConvertKernels(), "reference")(want, &back_want).ok());
    ASSERT_EQ(std::memcmp(back.data<float>(), back_want.data<float>(), n * 4), 0) << n;
  }
  // The reference is FloatToBf16 itself: 1 + 2^-8 is a tie and rounds to the even 1.0.
  Tensor one = Tensor::FromVector({1}, {1.00390625f});
  Tensor h = Tensor::Uninitialized({1}, DType::kBF16, one.device()).value();
  ASSERT_TRUE(ConvertKernels().FindBackend("cpu_fused", DType::kBF16)->fn(one, &h).ok());
  EXPECT_EQ(h.data<uint16_t>()[0], 0x3f80);
}

TEST(ConvertCpuFused, RefusesMismatchedShapes) {
  Tensor x = Tensor::Zeros({4});
  Tensor y = Tensor::Uninitialized({5}, DType::kBF16, x.device()).value();
  EXPECT_FALSE(ConvertKernels().FindBackend("cpu_fused", DType::kBF16)->fn(x, &y).ok());
}

}  // namespace
}  // namespace vlmlab
