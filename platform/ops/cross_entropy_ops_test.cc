#include "platform/ops/cross_entropy_ops.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/autograd/backward.h"
#include "platform/ops/shape_ops.h"
#include "platform/ops/softmax_ops.h"
#include "platform/ops/testing/gradcheck.h"

namespace vlmlab {
namespace {

CrossEntropyParams Params(CrossEntropyReduction r, float smoothing = 0, int32_t ignore = -100) {
  CrossEntropyParams p;
  p.reduction = r;
  p.label_smoothing = smoothing;
  p.ignore_index = ignore;
  return p;
}

// Row 0: lse = 3 + log(1 + e^-1 + e^-2), target 2. Row 1: uniform, lse = 1 + log 3, target 0.
const double kLse0 = 3 + std::log(1 + std::exp(-1.0) + std::exp(-2.0));
const double kLse1 = 1 + std::log(3.0);
Tensor Logits() { return Tensor::FromVector({2, 3}, {1, 2, 3, 1, 1, 1}); }

TEST(CrossEntropyOps, HandComputedValues) {
  Tensor t = Tensor::FromInts({2}, {2, 0});
  double row0 = kLse0 - 3, row1 = kLse1 - 1;  // 0.4076, log 3
  absl::StatusOr<Tensor> mean = ops::CrossEntropy(Logits(), t);
  ASSERT_TRUE(mean.ok()) << mean.status();
  EXPECT_EQ(mean->shape(), Shape{});
  EXPECT_NEAR(mean->ToVector()[0], (row0 + row1) / 2, 1e-6);
  EXPECT_NEAR(ops::CrossEntropy(Logits(), t, Params(CrossEntropyReduction::kSum))->ToVector()[0],
              row0 + row1, 1e-6);
  std::vector<float> none =
      ops::CrossEntropy(Logits(), t, Params(CrossEntropyReduction::kNone))->ToVector();
  EXPECT_NEAR(none[0], row0, 1e-6);
  EXPECT_NEAR(none[1], std::log(3.0), 1e-6);
}

TEST(CrossEntropyOps, LabelSmoothingValue) {
  // loss = lse - (1 - s) x[t] - (s / V) sum(x), s = 0.1, V = 3.
  Tensor t = Tensor::FromInts({2}, {2, 0});
  std::vector<float> none =
      ops::CrossEntropy(Logits(), t, Params(CrossEntropyReduction::kNone, 0.1f))->ToVector();
  EXPECT_NEAR(none[0], kLse0 - 0.9 * 3 - 0.1 / 3 * 6, 1e-6);
  EXPECT_NEAR(none[1], kLse1 - 0.9 * 1 - 0.1 / 3 * 3, 1e-6);
}

TEST(CrossEntropyOps, IgnoreIndex) {
  Tensor t = Tensor::FromInts({2}, {2, -100});
  Tensor logits = Logits();
  logits.set_requires_grad(true);
  Tensor loss = ops::CrossEntropy(logits, t).value();
  EXPECT_NEAR(loss.ToVector()[0], kLse0 - 3, 1e-6);  // the mean over the one kept row
  ASSERT_TRUE(Backward(loss).ok());
  std::vector<float> g = logits.grad().ToVector();
  for (int j = 3; j < 6; ++j) EXPECT_EQ(g[j], 0.0f);
  // Row 0's gradient is softmax - onehot.
  EXPECT_NEAR(g[2], std::exp(3 - kLse0) - 1, 1e-6);
  // A custom ignore_index that is a valid class.
  std::vector<float> none = ops::CrossEntropy(Logits(), Tensor::FromInts({2}, {2, 0}),
                                              Params(CrossEntropyReduction::kNone, 0, /*ignore=*/0))
                                ->ToVector();
  EXPECT_EQ(none[1], 0.0f);
}

TEST(CrossEntropyOps, AllIgnoredGivesZeroLossAndGradients) {
  for (auto r : {CrossEntropyReduction::kMean, CrossEntropyReduction::kSum}) {
    Tensor logits = Tensor::RandN({4, 5}, 3);
    logits.set_requires_grad(true);
    Tensor loss =
        ops::CrossEntropy(logits, Tensor::Full({4}, -100, DType::kI32), Params(r, 0.2f)).value();
    EXPECT_EQ(loss.ToVector()[0], 0.0f);
    ASSERT_TRUE(Backward(loss).ok());
    EXPECT_EQ(logits.grad().ToVector(), std::vector<float>(20, 0.0f));
  }
}

TEST(CrossEntropyOps, MatchesLogSoftmaxComposition) {
  Tensor logits = Tensor::RandN({6, 11}, 4, 3.0f);
  std::vector<int32_t> t = {0, 10, 5, 5, 3, 7};
  std::vector<float> lp = ops::LogSoftmax(logits)->ToVector();
  double want = 0;
  for (int i = 0; i < 6; ++i) want -= lp[i * 11 + t[i]] / 6;
  EXPECT_NEAR(ops::CrossEntropy(logits, Tensor::FromInts({6}, t))->ToVector()[0], want, 1e-5);
  // Huge logits stay finite.
  Tensor big = Tensor::FromVector({1, 2}, {1000, 0});
  EXPECT_NEAR(ops::CrossEntropy(big, Tensor::FromInts({1}, {1}))->ToVector()[0], 1000, 1e-3);
}

TEST(CrossEntropyOps, BatchedShapesAndBf16) {
  Tensor logits = Tensor::RandN({2, 3, 5}, 5);
  Tensor t = Tensor::FromInts({2, 3}, {0, 1, 2, 3, 4, -100});
  Tensor none = ops::CrossEntropy(logits, t, Params(CrossEntropyReduction::kNone)).value();
  EXPECT_EQ(none.shape(), (Shape{2, 3}));
  Tensor flat =
      ops::CrossEntropy(ops::Reshape(logits, {6, 5}).value(), ops::Reshape(t, {6}).value(),
                        Params(CrossEntropyReduction::kNone))
          .value();
  EXPECT_EQ(none.ToVector(), flat.ToVector());
  Tensor lb = ops::CrossEntropy(logits.To(DType::kBF16), t).value();
  EXPECT_EQ(lb.dtype(), DType::kF32);
  EXPECT_NEAR(lb.ToVector()[0], ops::CrossEntropy(logits, t)->ToVector()[0], 2e-2);
}

TEST(CrossEntropyOps, GradientsMatchFiniteDifferences) {
  struct Case {
    Shape shape;
    CrossEntropyReduction reduction;
    float smoothing;
  };
  int seed = 10;
  for (const Case& c : {Case{{7, 13}, CrossEntropyReduction::kMean, 0.0f},
                        Case{{7, 13}, CrossEntropyReduction::kMean, 0.1f},
                        Case{{2, 3, 37}, CrossEntropyReduction::kSum, 0.3f},
                        Case{{2, 3, 37}, CrossEntropyReduction::kNone, 0.0f},
                        Case{{1, 1}, CrossEntropyReduction::kMean, 0.2f},
                        Case{{5, 1000}, CrossEntropyReduction::kMean, 0.1f}}) {
    Tensor logits = Tensor::RandN(c.shape, seed++, 2.0f);
    Shape ts(c.shape.begin(), c.shape.end() - 1);
    std::vector<int32_t> t(NumElements(ts));
    for (size_t i = 0; i < t.size(); ++i) {
      t[i] = i % 4 == 1 ? -100 : static_cast<int32_t>((i * 7 + 3) % c.shape.back());
    }
    CrossEntropyParams p = Params(c.reduction, c.smoothing);
    GradCheckOptions tight;  // mean-reduced gradients are O(1 / N): the default atol is too loose
    tight.atol = 1e-4;
    tight.rtol = 3e-3;
    absl::Status s =
        GradCheck([p](const std::vector<Tensor>& in) { return ops::CrossEntropy(in[0], in[1], p); },
                  {logits, Tensor::FromInts(ts, t)}, tight);
    EXPECT_TRUE(s.ok()) << ShapeString(c.shape) << " " << CrossEntropyReductionName(c.reduction)
                        << " smoothing " << c.smoothing << ": " << s;
  }
}

TEST(CrossEntropyOps, Errors) {
  Tensor logits = Tensor::Zeros({4, 5});
  absl::StatusOr<Tensor> r = ops::CrossEntropy(logits, Tensor::FromInts({4}, {0, 5, 1, 1}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cross_entropy: logits f32[4, 5] cpu and targets i32[4] "
                                      "cpu: target 5 at position [1] is outside [0, 5)"),
            std::string::npos)
      << r.status();
  r = ops::CrossEntropy(Tensor::Zeros({2, 3, 5}), Tensor::FromInts({2, 3}, {0, 0, 0, 0, 0, -1}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("target -1 at position [1, 2] is outside [0, 5)"),
            std::string::npos)
      << r.status();
  r = ops::CrossEntropy(logits, Tensor::FromInts({3}, {0, 0, 0}));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), ::testing::HasSubstr("targets must be [4]")) << r.status();
  EXPECT_FALSE(ops::CrossEntropy(logits, Tensor::Zeros({4})).ok());  // f32 targets
  EXPECT_FALSE(ops::CrossEntropy(logits, Tensor::FromInts({4}, {0, 0, 0, 0}),
                                 Params(CrossEntropyReduction::kMean, 1.5f))
                   .ok());
  EXPECT_FALSE(ops::CrossEntropy(Tensor::Full({}, 1.0f), Tensor::FromInts({}, {0})).ok());
  EXPECT_FALSE(ops::CrossEntropy(Tensor(), Tensor::FromInts({1}, {0})).ok());
}

}  // namespace
}  // namespace vlmlab
