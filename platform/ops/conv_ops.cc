#include "platform/ops/conv_ops.h"

#include <memory>
#include <string>
#include <vector>

#include "kernels/api/conv.h"
#include "platform/autograd/node.h"
#include "platform/ops/op_support.h"
#include "platform/ops/precision.h"

namespace vlmlab::ops {
namespace {

constexpr char kOp[] = "conv2d";

// `t` contiguous, and in bf16 when `mixed` (the bf16 convolution kernels' inputs).
absl::StatusOr<Tensor> KernelInput(const Tensor& t, bool mixed) {
  VLMLAB_ASSIGN_OR_RETURN(Tensor c, MakeContiguous(t));
  if (!mixed) return c;
  return ConvertTo(c, DType::kBF16);
}

class Conv2dBackward : public Node {
 public:
  // `mixed`: the forward ran in bf16 with f32 outputs; the backward passes do the same.
  Conv2dBackward(const Conv2dParams& p, bool mixed) : p_(p), mixed_(mixed) {}
  const char* name() const override { return kOp; }
  absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& g) override {
    const Tensor& x = inputs()[0];
    const Tensor& w = inputs()[1];
    const bool has_bias = inputs().size() > 2;
    const DType compute = mixed_ ? DType::kBF16 : g.dtype();
    VLMLAB_ASSIGN_OR_RETURN(Tensor gc, KernelInput(g, mixed_));
    std::vector<Tensor> grads(inputs().size());
    if (needs_input_grad(0)) {
      VLMLAB_ASSIGN_OR_RETURN(grads[0], NewTensor(x.shape(), g));
      VLMLAB_ASSIGN_OR_RETURN(Tensor wc, KernelInput(w, mixed_));
      VLMLAB_RETURN_IF_ERROR(
          Conv2dBackwardDataKernels().Call(g.device(), compute, gc, wc, p_, &grads[0]));
    }
    const bool want_bias = has_bias && needs_input_grad(2);
    if (needs_input_grad(1) || want_bias) {
      Tensor gw, gb;
      VLMLAB_ASSIGN_OR_RETURN(gw, NewTensor(w.shape(), g));
      if (want_bias) {
        VLMLAB_ASSIGN_OR_RETURN(gb, NewTensor({w.size(0)}, g));
      }
      VLMLAB_ASSIGN_OR_RETURN(Tensor xc, KernelInput(x, mixed_));
      VLMLAB_RETURN_IF_ERROR(Conv2dBackwardWeightsKernels().Call(g.device(), compute, xc, gc, p_,
                                                                 &gw, want_bias ? &gb : nullptr));
      if (needs_input_grad(1)) grads[1] = gw;
      if (want_bias) grads[2] = gb;
    }
    return grads;
  }

 private:
  Conv2dParams p_;
  bool mixed_;
};

absl::Status Invalid(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dOptions& o,
                     const std::string& why) {
  return absl::InvalidArgumentError(
      absl::StrCat(kOp, ": input ", ShapeString(x.shape()), " (want [N, H, W, Cin]), weight ",
                   ShapeString(w.shape()), " (want [Cout, Cin, kh, kw])",
                   b.defined() ? absl::StrCat(", bias ", ShapeString(b.shape())) : "", ", stride ",
                   o.stride, ", padding ", o.padding, ": ", why));
}

}  // namespace

bool HasFastBf16Conv(DeviceType device) {
  auto fast = [](const auto* kernel) {
    return kernel != nullptr && kernel->backend != "reference";
  };
  return fast(Conv2dKernels().Find(device, DType::kBF16)) &&
         fast(Conv2dBackwardDataKernels().Find(device, DType::kBF16)) &&
         fast(Conv2dBackwardWeightsKernels().Find(device, DType::kBF16));
}

absl::StatusOr<Tensor> Conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                              const Conv2dOptions& o) {
  VLMLAB_RETURN_IF_ERROR(CheckDefined(kOp, x, "input"));
  VLMLAB_RETURN_IF_ERROR(CheckDefined(kOp, weight, "weight"));
  VLMLAB_RETURN_IF_ERROR(CheckSameKind(kOp, x, weight));
  VLMLAB_RETURN_IF_ERROR(CheckFloating(kOp, x));
  if (bias.defined()) {
    VLMLAB_RETURN_IF_ERROR(CheckSameKind(kOp, weight, bias));
  }
  if (x.dim() != 4 || weight.dim() != 4) {
    return Invalid(x, weight, bias, o, "input and weight must both have 4 axes");
  }
  if (weight.size(1) != x.size(3)) {
    return Invalid(
        x, weight, bias, o,
        absl::StrCat("weight takes ", weight.size(1), " input channels but the input has ",
                     x.size(3), " (the last axis: channels-last)"));
  }
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != weight.size(0))) {
    return Invalid(x, weight, bias, o, absl::StrCat("bias must be [", weight.size(0), "]"));
  }
  if (o.stride < 1 || o.padding < 0) {
    return Invalid(x, weight, bias, o, "stride must be >= 1 and padding >= 0");
  }
  if (weight.size(0) < 1 || weight.size(2) < 1 || weight.size(3) < 1 || x.size(3) < 1) {
    return Invalid(x, weight, bias, o, "channels and kernel sizes must be >= 1");
  }
  const Conv2dParams p{o.stride, o.padding};
  const int64_t oh = Conv2dOutputSize(x.size(1), weight.size(2), p);
  const int64_t ow = Conv2dOutputSize(x.size(2), weight.size(3), p);
  if (oh < 1 || ow < 1) {
    return Invalid(x, weight, bias, o, "the kernel does not fit in the padded image");
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor y, NewTensor({x.size(0), oh, ow, weight.size(0)}, x));
  if (y.numel() == 0) return y;
  // Mixed precision (precision.h): f32 inputs convolve as bf16 with f32 accumulation and f32
  // outputs when the device has fast bf16 convolutions; gradients likewise.
  const bool mixed = x.dtype() == DType::kF32 && GetMatmulPrecision() == MatmulPrecision::kBF16 &&
                     HasFastBf16Conv(x.device().type);
  VLMLAB_ASSIGN_OR_RETURN(Tensor xc, KernelInput(x, mixed));
  VLMLAB_ASSIGN_OR_RETURN(Tensor wc, KernelInput(weight, mixed));
  Tensor bc;
  if (bias.defined()) {
    VLMLAB_ASSIGN_OR_RETURN(bc, MakeContiguous(bias));
  }
  VLMLAB_RETURN_IF_ERROR(
      Conv2dKernels().Call(x.device(), mixed ? DType::kBF16 : x.dtype(), xc, wc, bc, p, &y));
  std::vector<Tensor> inputs = {x, weight};
  if (bias.defined()) inputs.push_back(bias);
  RecordOp(std::make_shared<Conv2dBackward>(p, mixed), inputs, &y);
  return y;
}

int64_t Conv2dMacs(int64_t n, int64_t out_h, int64_t out_w, int64_t cin, int64_t cout, int64_t kh,
                   int64_t kw) {
  return n * out_h * out_w * cout * cin * kh * kw;
}

}  // namespace vlmlab::ops
