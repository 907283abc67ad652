// cpu_fused cross-entropy against the reference kernels on random odd shapes, for every
// reduction, with label smoothing and ignored positions.
// Tolerances: loss and lse |d| <= 1e-5 + 1e-5 |ref|; gradient |d| <= 1e-6 + 1e-4 |ref|.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernels/api/cross_entropy.h"
#include "kernels/cpu_fused/fused_testing.h"
#include "platform/tensor/counter_random.h"

namespace vlmlab {
namespace {

Tensor Targets(const Shape& shape, int64_t v, int32_t ignore, uint64_t seed) {
  std::vector<int32_t> t(NumElements(shape));
  for (size_t i = 0; i < t.size(); ++i) {
    t[i] = CounterUniform(seed, i) < 0.2f ? ignore
                                          : static_cast<int32_t>(CounterBits(seed + 1, i) % v);
  }
  return Tensor::FromInts(shape, t);
}

TEST(CrossEntropyCpuFused, MatchesReference) {
  uint64_t seed = 1;
  const char* backends[2] = {"cpu_fused", "reference"};
  for (const Shape& shape : {Shape{3, 7, 37}, Shape{1, 1}, Shape{5, 1000}, Shape{9, 2}}) {
    const int64_t v = shape.back();
    Shape ts(shape.begin(), shape.end() - 1);
    for (auto r : {CrossEntropyReduction::kMean, CrossEntropyReduction::kSum,
                   CrossEntropyReduction::kNone}) {
      for (float smoothing : {0.0f, 0.15f}) {
        const std::string what = absl::StrCat(ShapeString(shape), " ", CrossEntropyReductionName(r),
                                              " smoothing ", smoothing);
        CrossEntropyParams p;
        p.reduction = r;
        p.label_smoothing = smoothing;
        Tensor logits = Tensor::RandN(shape, seed++, 3.0f);
        Tensor targets = Targets(ts, v, p.ignore_index, seed++);
        Shape ls = r == CrossEntropyReduction::kNone ? ts : Shape{};
        Tensor grad_loss = Tensor::RandN(ls, seed++);
        Tensor loss[2] = {Tensor::Zeros(ls), Tensor::Zeros(ls)};
        Tensor lse[2] = {Tensor::Zeros({NumElements(ts)}), Tensor::Zeros({NumElements(ts)})};
        Tensor grad[2] = {Tensor::Full(shape, 7.0f),
                          Tensor::Zeros(shape)};  // 7: must be overwritten
        for (int k = 0; k < 2; ++k) {
          ASSERT_TRUE(BackendKernel(CrossEntropyKernels(), backends[k])(logits, targets, p,
                                                                        &loss[k], &lse[k])
                          .ok());
        }
        for (int k = 0; k < 2; ++k) {  // both backward kernels see the reference lse
          ASSERT_TRUE(BackendKernel(CrossEntropyBackwardKernels(), backends[k])(
                          logits, targets, lse[1], grad_loss, p, &grad[k])
                          .ok());
        }
        EXPECT_THAT(loss[0], IsClose(loss[1], 1e-5, 1e-5)) << what + " loss";
        EXPECT_THAT(lse[0], IsClose(lse[1], 1e-5, 1e-5)) << what + " lse";
        EXPECT_THAT(grad[0], IsClose(grad[1], 1e-6, 1e-4)) << what + " grad";
      }
    }
  }
}

TEST(CrossEntropyCpuFused, AllIgnoredAndBadTargets) {
  CrossEntropyParams p;
  Tensor logits = Tensor::RandN({3, 4}, 1), loss = Tensor::Full({}, 5.0f), lse = Tensor::Zeros({3});
  Tensor ignored = Tensor::Full({3}, -100, DType::kI32);
  auto* forward = BackendKernel(CrossEntropyKernels(), "cpu_fused");
  auto* backward = BackendKernel(CrossEntropyBackwardKernels(), "cpu_fused");
  ASSERT_TRUE(forward(logits, ignored, p, &loss, &lse).ok());
  EXPECT_EQ(loss.ToVector()[0], 0.0f);
  Tensor grad = Tensor::Full({3, 4}, 1.0f);
  ASSERT_TRUE(backward(logits, ignored, lse, Tensor::Full({}, 1.0f), p, &grad).ok());
  EXPECT_EQ(grad.ToVector(), std::vector<float>(12, 0.0f));
  absl::Status s = forward(logits, Tensor::FromInts({3}, {0, 4, 1}), p, &loss, &lse);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), ::testing::HasSubstr("target 4 at position 1 is outside [0, 4)")) << s;
  s = backward(logits, Tensor::FromInts({3}, {0, -5, 1}), lse, Tensor::Full({}, 1.0f), p, &grad);
  EXPECT_FALSE(s.ok());
}

}  // namespace
}  // namespace vlmlab
