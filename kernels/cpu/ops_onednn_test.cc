// platform/ops with the onednn kernels active: gradients of ops::Matmul / ops::Linear and the
// elementwise ops through oneDNN, the bf16 matmul-precision fallback, and oneDNN error text.
//
//   bazel test //kernels/cpu:ops_onednn_test
// (The platform/ops op tests also run against this backend: //kernels/cpu:onednn_*_ops_test.)
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernels/api/matmul.h"
#include "kernels/cpu/onednn_common.h"
#include "kernels/cpu/threads.h"
#include "platform/autograd/backward.h"
#include "platform/ops/conv_ops.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/matmul_ops.h"
#include "platform/ops/precision.h"
#include "platform/ops/testing/gradcheck.h"
#include "platform/testing/matchers.h"

namespace vlmlab {
namespace {

// Every transpose and shared-weight layout is covered by onednn_matmul_ops_test (the
// platform/ops matmul test linked with this backend); this adds odd sizes through Linear.
TEST(OpsOnednn, LinearGradientsThroughOnednnAtOddSizes) {
  ASSERT_EQ(MatmulKernels().Find(DeviceType::kCpu, DType::kF32)->backend, "onednn");
  absl::Status linear =
      GradCheck([](const std::vector<Tensor>& in) { return ops::Linear(in[0], in[1], in[2]); },
                {Tensor::RandN({2, 3, 37}, 4), Tensor::RandN({29, 37}, 5), Tensor::RandN({29}, 6)});
  EXPECT_TRUE(linear.ok()) << linear;
}

TEST(OpsOnednn, ElementwiseChainGradients) {
  // silu(x * w + b) / (1 + exp(x)): binary with broadcasting, unary forward/backward, sum_to.
  auto f = [](const std::vector<Tensor>& in) -> absl::StatusOr<Tensor> {
    VLMLAB_ASSIGN_OR_RETURN(Tensor t, ops::Mul(in[0], in[1]));
    VLMLAB_ASSIGN_OR_RETURN(t, ops::Add(t, in[2]));
    VLMLAB_ASSIGN_OR_RETURN(t, ops::Silu(t));
    VLMLAB_ASSIGN_OR_RETURN(Tensor d, ops::Unary(UnaryOp::kExp, in[0]));
    VLMLAB_ASSIGN_OR_RETURN(d, ops::AddScalar(d, 1.0f));
    return ops::Div(t, d);
  };
  absl::Status s =
      GradCheck(f, {Tensor::RandN({2, 5, 7}, 7), Tensor::RandN({7}, 8), Tensor::RandN({5, 1}, 9)});
  EXPECT_TRUE(s.ok()) << s;
}

TEST(OpsOnednn, Bf16PrecisionUsesBf16KernelOrFallsBackToF32) {
  Tensor x = Tensor::RandN({16, 37}, 10), w = Tensor::RandN({29, 37}, 11);
  Tensor f32 = ops::Linear(x, w).value();
  ops::ScopedMatmulPrecision bf16(ops::MatmulPrecision::kBF16);
  Tensor mixed = ops::Linear(x, w).value();
  EXPECT_EQ(mixed.dtype(), DType::kF32);
  if (CpuHasBf16()) {
    // bf16 x bf16 -> f32 equals f32 matmul on bf16-rounded inputs up to accumulation order.
    Tensor rounded =
        ops::Linear(x.To(DType::kBF16).To(DType::kF32), w.To(DType::kBF16).To(DType::kF32)).value();
    EXPECT_THAT(mixed, IsClose(rounded, 1e-4 * 6, 1e-4));
  } else {
    EXPECT_THAT(mixed, IsClose(f32, 0, 0)) << "without avx512_bf16 matmuls stay f32";
  }
}

TEST(OpsOnednn, Bf16PrecisionConvolvesInBf16WithF32Outputs) {
  // A 3x3 stride-2 convolution with bias: forward and both gradients under kBF16 equal the f32
  // convolution of bf16-rounded inputs (and, for the gradients, a bf16-rounded output gradient)
  // up to accumulation order; without avx512_bf16 they stay f32 exactly.
  Tensor x = Tensor::RandN({2, 9, 9, 5}, 12), w = Tensor::RandN({7, 5, 3, 3}, 13);
  Tensor b = Tensor::RandN({7}, 14);
  ops::Conv2dOptions o;
  o.stride = 2;
  o.padding = 1;
  auto run = [&](const Tensor& xi, const Tensor& wi, bool round_grad) {
    Tensor xv = xi.Detach(), wv = wi.Detach(), bv = b.Detach();
    xv.set_requires_grad(true);
    wv.set_requires_grad(true);
    bv.set_requires_grad(true);
    Tensor y = ops::Conv2d(xv, wv, bv, o).value();
    Tensor g = Tensor::RandN(y.shape(), 15);
    if (round_grad) g = g.To(DType::kBF16).To(DType::kF32);
    CHECK(Backward(y, g).ok());
    return std::vector<Tensor>{y, xv.grad(), wv.grad(), bv.grad()};
  };
  std::vector<Tensor> f32 = run(x, w, false);
  std::vector<Tensor> mixed;
  {
    ops::ScopedMatmulPrecision bf16(ops::MatmulPrecision::kBF16);
    mixed = run(x, w, false);
  }
  for (const Tensor& t : mixed) EXPECT_EQ(t.dtype(), DType::kF32);
  if (!ops::HasFastBf16Conv(DeviceType::kCpu)) {
    for (size_t i = 0; i < f32.size(); ++i) EXPECT_THAT(mixed[i], IsClose(f32[i], 0, 0)) << i;
    return;
  }
  std::vector<Tensor> rounded =
      run(x.To(DType::kBF16).To(DType::kF32), w.To(DType::kBF16).To(DType::kF32), true);
  const char* names[] = {"y", "grad x", "grad w", "grad b"};
  for (size_t i = 0; i < f32.size(); ++i) {
    EXPECT_THAT(mixed[i], IsClose(rounded[i], 1e-3, 1e-3)) << names[i];
  }
  EXPECT_THAT(mixed[0], ::testing::Not(IsClose(f32[0], 0, 0)))
      << "bf16 rounding must show in the output";
}

TEST(OpsOnednn, DnnlErrorsBecomeStatusesWithFileAndLine) {
  absl::Status s = cpu::DnnlError(dnnl::error(dnnl_unimplemented, "could not create"),
                                  "bazel-out/k8-opt/bin/kernels/cpu/x.cc", 42, "matmul primitive");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(s.message(),
            "kernels/cpu/x.cc:42: oneDNN matmul primitive: could not create (dnnl_status 3)");
  // A real failure: a memory descriptor with a negative dimension.
  absl::Status real = [&]() -> absl::Status {
    try {
      dnnl::memory::desc md({-1, 2}, dnnl::memory::data_type::f32, dnnl::memory::dims{2, 1});
    }
    VLMLAB_DNNL_CATCH("memory descriptor")
    return absl::OkStatus();
  }();
  EXPECT_FALSE(real.ok());
  EXPECT_THAT(real.message(), ::testing::HasSubstr("kernels/cpu/ops_onednn_test.cc:")) << real;
}

}  // namespace
}  // namespace vlmlab
