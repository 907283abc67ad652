// The differentiable ops running on the cpu_fused kernels (linked in, so they win for f32):
// finite-difference gradient checks end to end, and bf16 still served by the reference.
#include "gtest/gtest.h"
#include "kernels/api/cross_entropy.h"
#include "kernels/api/normalization.h"
#include "kernels/api/softmax.h"
#include "platform/ops/cross_entropy_ops.h"
#include "platform/ops/normalization_ops.h"
#include "platform/ops/softmax_ops.h"
#include "platform/ops/testing/gradcheck.h"

namespace vlmlab {
namespace {

TEST(CpuFusedOps, DispatchPicksTheFusedKernels) {
  const std::vector<const KernelTableBase*> tables = {
      &SoftmaxKernels(),      &SoftmaxBackwardKernels(),
      &LayerNormKernels(),    &LayerNormBackwardKernels(),
      &RmsNormKernels(),      &RmsNormBackwardKernels(),
      &CrossEntropyKernels(), &CrossEntropyBackwardKernels()};
  for (const KernelTableBase* t : tables) {
    EXPECT_TRUE(t->Supports("cpu_fused", DeviceType::kCpu, DType::kF32)) << t->op();
    EXPECT_EQ(AllKernelTables().at(t->op()), t);
  }
  EXPECT_EQ(LayerNormKernels().Find(DeviceType::kCpu, DType::kF32)->backend, "cpu_fused");
}

TEST(CpuFusedOps, GradientsMatchFiniteDifferences) {
  GradCheckOptions tight;  // the defaults (atol 2e-3, rtol 2e-2) would miss small errors
  tight.atol = 3e-4;
  tight.rtol = 3e-3;
  uint64_t seed = 1;
  for (const Shape& shape : {Shape{3, 7, 37}, Shape{1, 1}, Shape{5, 300}}) {
    const int64_t c = shape.back();
    Tensor x = Tensor::RandN(shape, seed++, 2.0f), w = Tensor::RandN({c}, seed++);
    Tensor b = Tensor::RandN({c}, seed++);
    const std::string s = ShapeString(shape);
    EXPECT_TRUE(
        GradCheck([](const std::vector<Tensor>& in) { return ops::Softmax(in[0]); }, {x}, tight)
            .ok())
        << s;
    EXPECT_TRUE(
        GradCheck([](const std::vector<Tensor>& in) { return ops::LogSoftmax(in[0]); }, {x}, tight)
            .ok())
        << s;
    absl::Status st =
        GradCheck([](const std::vector<Tensor>& in) { return ops::LayerNorm(in[0], in[1], in[2]); },
                  {x, w, b}, tight);
    EXPECT_TRUE(st.ok()) << s << ": " << st;
    st = GradCheck([](const std::vector<Tensor>& in) { return ops::RmsNorm(in[0], in[1]); }, {x, w},
                   tight);
    EXPECT_TRUE(st.ok()) << s << ": " << st;
    Shape ts(shape.begin(), shape.end() - 1);
    std::vector<int32_t> t(NumElements(ts));
    for (size_t i = 0; i < t.size(); ++i) t[i] = i % 3 == 2 ? -100 : static_cast<int32_t>(i % c);
    CrossEntropyParams p;
    p.label_smoothing = 0.3f;
    p.reduction = CrossEntropyReduction::kSum;  // O(1) gradients
    st =
        GradCheck([p](const std::vector<Tensor>& in) { return ops::CrossEntropy(in[0], in[1], p); },
                  {x, Tensor::FromInts(ts, t)}, tight);
    EXPECT_TRUE(st.ok()) << s << ": " << st;
  }
}

TEST(CpuFusedOps, Bf16FallsBackToTheReference) {
  Tensor x = Tensor::RandN({4, 9}, 3);
  absl::StatusOr<Tensor> y = ops::LayerNorm(x.To(DType::kBF16));
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_LT(MaxAbsDiff(y->To(DType::kF32), ops::LayerNorm(x).value()), 5e-2);
}

}  // namespace
}  // namespace vlmlab
