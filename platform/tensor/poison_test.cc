// With VLMLAB_POISON_UNINITIALIZED=1 (set here before the first allocation), uninitialised
// tensors read as NaN (f32, bf16) or -1 (i32), while Empty / Zeros stay zero and the factories
// that write every element are unaffected.
#include <cmath>
#include <cstdlib>

#include "gtest/gtest.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {
namespace {

const bool kPoison = [] {
  setenv("VLMLAB_POISON_UNINITIALIZED", "1", 1);
  return true;
}();

TEST(Poison, UninitializedIsNanOrMinusOne) {
  ASSERT_TRUE(kPoison && PoisonUninitialized());
  for (int64_t n : {int64_t{3}, int64_t{50000}}) {
    Tensor f = Tensor::Uninitialized({n}).value();
    for (float v : f.ToVector()) ASSERT_TRUE(std::isnan(v));
    Tensor b = Tensor::Uninitialized({n}, DType::kBF16).value();
    for (float v : b.ToVector()) ASSERT_TRUE(std::isnan(v));
    Tensor i = Tensor::Uninitialized({n}, DType::kI32).value();
    for (int32_t v : i.ToInts()) ASSERT_EQ(v, -1);
    Tensor e = Tensor::Empty({n}).value();
    for (float v : e.ToVector()) ASSERT_EQ(v, 0.0f);
  }
  EXPECT_EQ(Tensor::Full({2}, 5.0f).ToVector(), (std::vector<float>{5, 5}));
  EXPECT_EQ(Tensor::FromInts({2}, {1, 2}).ToInts(), (std::vector<int32_t>{1, 2}));
  Tensor t = Tensor::FromVector({2, 2}, {1, 2, 3, 4}).ViewTranspose(0, 1).value();
  EXPECT_EQ(t.Contiguous().ToVector(), (std::vector<float>{1, 3, 2, 4}));
  EXPECT_EQ(t.To(DType::kBF16).ToVector(), (std::vector<float>{1, 3, 2, 4}));
  EXPECT_FALSE(Tensor::Uninitialized({2, -1}).ok());
}

}  // namespace
}  // namespace vlmlab
