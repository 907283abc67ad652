#include "platform/ops/normalization_ops.h"

#include <cmath>
#include <memory>
#include <vector>

#include "kernels/api/normalization.h"
#include "platform/autograd/node.h"
#include "platform/ops/op_support.h"

namespace vlmlab::ops {
namespace {

// x must be floating with an axis; weight / bias (when defined) [C] of x's dtype and device.
absl::Status CheckNormArgs(const char* op, const Tensor& x, const Tensor& weight,
                           const Tensor& bias, float eps) {
  VLMLAB_RETURN_IF_ERROR(CheckDefined(op, x));
  VLMLAB_RETURN_IF_ERROR(CheckFloating(op, x));
  if (x.dim() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(op, ": input ", x.DebugString(), ": needs at least one axis"));
  }
  const int64_t c = x.size(-1);
  auto check_param = [&](const Tensor& t, const char* what) -> absl::Status {
    if (!t.defined()) return absl::OkStatus();
    VLMLAB_RETURN_IF_ERROR(CheckSameKind(op, x, t));
    if (t.dim() != 1 || t.size(0) != c) {
      return absl::InvalidArgumentError(absl::StrCat(
          op, ": input ", ShapeString(x.shape()), " and ", what, " ", ShapeString(t.shape()), ": ",
          what, " must have the last dimension ", c, " (shape [", c, "])"));
    }
    return absl::OkStatus();
  };
  VLMLAB_RETURN_IF_ERROR(check_param(weight, "weight"));
  VLMLAB_RETURN_IF_ERROR(check_param(bias, "bias"));
  if (!(eps >= 0) || std::isinf(eps)) {
    return absl::InvalidArgumentError(absl::StrCat(
        op, ": eps ", eps, " must be finite and >= 0 (input ", ShapeString(x.shape()), ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Tensor> MaybeContiguous(const Tensor& t) {
  if (!t.defined()) return t;
  return MakeContiguous(t);
}

// Per-row statistics: [rows] f32 on x's device.
absl::StatusOr<Tensor> NewStats(const Tensor& x) {
  const int64_t rows = NumElements(Shape(x.shape().begin(), x.shape().end() - 1));
  return NewTensor({rows}, DType::kF32, x);
}

class LayerNormBackward : public Node {
 public:
  LayerNormBackward(Tensor mean, Tensor rstd) : mean_(std::move(mean)), rstd_(std::move(rstd)) {}
  const char* name() const override { return "layer_norm"; }
  absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& g) override {
    const Tensor& x = inputs()[0];
    VLMLAB_ASSIGN_OR_RETURN(Tensor xc, MakeContiguous(x));
    VLMLAB_ASSIGN_OR_RETURN(Tensor wc, MaybeContiguous(inputs()[1]));
    VLMLAB_ASSIGN_OR_RETURN(Tensor gc, MakeContiguous(g));
    if (gc.dtype() != x.dtype()) gc = gc.To(x.dtype());
    Tensor gx, gw, gb;
    if (needs_input_grad(0)) {
      VLMLAB_ASSIGN_OR_RETURN(gx, NewTensor(x.shape(), x));
    }
    if (needs_input_grad(1)) {
      VLMLAB_ASSIGN_OR_RETURN(gw, NewTensor(wc.shape(), wc));
    }
    if (needs_input_grad(2)) {
      VLMLAB_ASSIGN_OR_RETURN(gb, NewTensor(inputs()[2].shape(), x));
    }
    VLMLAB_RETURN_IF_ERROR(LayerNormBackwardKernels().Call(
        x.device(), x.dtype(), xc, wc, mean_, rstd_, gc, gx.defined() ? &gx : nullptr,
        gw.defined() ? &gw : nullptr, gb.defined() ? &gb : nullptr));
    return std::vector<Tensor>{gx, gw, gb};
  }

 private:
  Tensor mean_, rstd_;  // [rows] f32
};

class RmsNormBackward : public Node {
 public:
  explicit RmsNormBackward(Tensor rstd) : rstd_(std::move(rstd)) {}
  const char* name() const override { return "rms_norm"; }
  absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& g) override {
    const Tensor& x = inputs()[0];
    VLMLAB_ASSIGN_OR_RETURN(Tensor xc, MakeContiguous(x));
    VLMLAB_ASSIGN_OR_RETURN(Tensor wc, MaybeContiguous(inputs()[1]));
    VLMLAB_ASSIGN_OR_RETURN(Tensor gc, MakeContiguous(g));
    if (gc.dtype() != x.dtype()) gc = gc.To(x.dtype());
    Tensor gx, gw;
    if (needs_input_grad(0)) {
      VLMLAB_ASSIGN_OR_RETURN(gx, NewTensor(x.shape(), x));
    }
    if (needs_input_grad(1)) {
      VLMLAB_ASSIGN_OR_RETURN(gw, NewTensor(wc.shape(), wc));
    }
    VLMLAB_RETURN_IF_ERROR(RmsNormBackwardKernels().Call(x.device(), x.dtype(), xc, wc, rstd_, gc,
                                                         gx.defined() ? &gx : nullptr,
                                                         gw.defined() ? &gw : nullptr));
    return std::vector<Tensor>{gx, gw};
  }

 private:
  Tensor rstd_;  // [rows] f32
};

}  // namespace

absl::StatusOr<Tensor> LayerNorm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                 float eps) {
  VLMLAB_RETURN_IF_ERROR(CheckNormArgs("layer_norm", x, weight, bias, eps));
  VLMLAB_ASSIGN_OR_RETURN(Tensor out, NewTensor(x.shape(), x));  // [..., C]
  VLMLAB_ASSIGN_OR_RETURN(Tensor mean, NewStats(x));             // [rows]
  VLMLAB_ASSIGN_OR_RETURN(Tensor rstd, NewStats(x));             // [rows]
  VLMLAB_ASSIGN_OR_RETURN(Tensor xc, MakeContiguous(x));
  VLMLAB_ASSIGN_OR_RETURN(Tensor wc, MaybeContiguous(weight));
  VLMLAB_ASSIGN_OR_RETURN(Tensor bc, MaybeContiguous(bias));
  VLMLAB_RETURN_IF_ERROR(
      LayerNormKernels().Call(x.device(), x.dtype(), xc, wc, bc, eps, &out, &mean, &rstd));
  RecordOp(std::make_shared<LayerNormBackward>(mean, rstd), {x, weight, bias}, &out);
  return out;
}

absl::StatusOr<Tensor> RmsNorm(const Tensor& x, const Tensor& weight, float eps) {
  VLMLAB_RETURN_IF_ERROR(CheckNormArgs("rms_norm", x, weight, Tensor(), eps));
  VLMLAB_ASSIGN_OR_RETURN(Tensor out, NewTensor(x.shape(), x));  // [..., C]
  VLMLAB_ASSIGN_OR_RETURN(Tensor rstd, NewStats(x));             // [rows]
  VLMLAB_ASSIGN_OR_RETURN(Tensor xc, MakeContiguous(x));
  VLMLAB_ASSIGN_OR_RETURN(Tensor wc, MaybeContiguous(weight));
  VLMLAB_RETURN_IF_ERROR(RmsNormKernels().Call(x.device(), x.dtype(), xc, wc, eps, &out, &rstd));
  RecordOp(std::make_shared<RmsNormBackward>(rstd), {x, weight}, &out);
  return out;
}

}  // namespace vlmlab::ops
