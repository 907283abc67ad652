// The onednn copy (reorder) kernel against the reference: transposed, permuted and sliced
// views to contiguous, writes into a slice, f32 / bf16 / i32, rank 0. Copies are exact.
//
//   bazel test //kernels/cpu:copy_onednn_test
#include "gtest/gtest.h"
#include "kernels/api/copy.h"
#include "kernels/cpu/onednn_common.h"
#include "platform/testing/matchers.h"

namespace vlmlab {
namespace {

absl::Status CopyWith(const char* backend, const Tensor& src, Tensor* dst) {
  return CopyKernels().FindBackend(backend, src.dtype())->fn(src, dst);
}

// Copies `view` into fresh contiguous tensors with both backends; they must agree exactly.
void ExpectSameCopy(const Tensor& view, const std::string& what) {
  Tensor want = Tensor::Zeros(view.shape(), view.dtype());
  Tensor got = Tensor::Zeros(view.shape(), view.dtype());
  ASSERT_TRUE(CopyWith("reference", view, &want).ok());
  absl::Status s = CopyWith("onednn", view, &got);
  ASSERT_TRUE(s.ok()) << what << ": " << s;
  EXPECT_THAT(got, IsClose(want, 0, 0)) << what;
}

TEST(CopyOnednn, IsPreferredForEveryDtype) {
  for (DType dt : {DType::kF32, DType::kBF16, DType::kI32}) {
    EXPECT_EQ(CopyKernels().Find(DeviceType::kCpu, dt)->backend, "onednn") << DTypeName(dt);
  }
}

TEST(CopyOnednn, ViewsToContiguousMatchReference) {
  const int64_t fallbacks = cpu::FallbackCount().load();
  for (DType dt : {DType::kF32, DType::kBF16}) {
    Tensor x = Tensor::RandN({3, 37, 53}, 1, 1.0f, dt);
    ExpectSameCopy(x.ViewTranspose(1, 2).value(), "transpose");
    ExpectSameCopy(x.ViewPermute({2, 0, 1}).value(), "permute");
    ExpectSameCopy(x.ViewSlice(1, 5, 36).value(), "slice");
    ExpectSameCopy(x.ViewSlice(2, 1, 2).value().ViewTranspose(0, 1).value(), "slice^T");
    Tensor y = Tensor::RandN({2, 3, 4, 5, 6}, 2, 1.0f, dt);
    ExpectSameCopy(y.ViewPermute({4, 2, 0, 3, 1}).value(), "5-D permute");
    ExpectSameCopy(Tensor::Full({}, 3.5f, dt), "rank 0");
  }
  Tensor ints = Tensor::FromInts({2, 3}, {1, 2, 3, 4, 5, 6});
  ExpectSameCopy(ints.ViewTranspose(0, 1).value(), "i32 transpose");
  EXPECT_EQ(cpu::FallbackCount().load(), fallbacks) << "a case ran on the fallback kernel";
}

TEST(CopyOnednn, WritesIntoASliceOnly) {
  Tensor big = Tensor::Zeros({4, 6});
  Tensor window = big.ViewSlice(1, 2, 5).value();  // [4, 3], strides [6, 1]
  Tensor src = Tensor::RandN({3, 4}, 3).ViewTranspose(0, 1).value();
  ASSERT_TRUE(CopyWith("onednn", src, &window).ok());
  std::vector<float> b = big.ToVector(), s = src.ToVector();
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 6; ++j) {
      float want = (j >= 2 && j < 5) ? s[i * 3 + (j - 2)] : 0.0f;
      EXPECT_EQ(b[i * 6 + j], want) << i << "," << j;
    }
  }
}

TEST(CopyOnednn, MismatchedShapesAreAnError) {
  Tensor dst = Tensor::Zeros({3, 2});
  EXPECT_EQ(CopyWith("onednn", Tensor::Zeros({2, 3}), &dst).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vlmlab
