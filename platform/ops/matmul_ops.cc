#include "platform/ops/matmul_ops.h"

#include <memory>
#include <vector>

#include "kernels/api/matmul.h"
#include "platform/autograd/node.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/op_support.h"
#include "platform/ops/precision.h"
#include "platform/ops/shape_ops.h"

namespace vlmlab::ops {
namespace {

absl::Status ShapeError(const Tensor& a, const Tensor& b, bool ta, bool tb, const char* why) {
  return absl::InvalidArgumentError(
      absl::StrCat("matmul", ta ? " (a transposed)" : "", tb ? " (b transposed)" : "", ": ",
                   ShapeString(a.shape()), " x ", ShapeString(b.shape()), ": ", why));
}

class MatmulBackward : public Node {
 public:
  MatmulBackward(bool ta, bool tb) : ta_(ta), tb_(tb) {}
  const char* name() const override { return "matmul"; }
  absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& g) override {
    const Tensor& a = inputs()[0];
    const Tensor& b = inputs()[1];
    Tensor ga, gb;
    // The gradient has g's dtype (f32 for bf16 inputs): cast back to the input's dtype.
    // (ConvertTo returns a tensor already in that dtype as it is, without a copy.)
    if (needs_input_grad(0)) {
      VLMLAB_ASSIGN_OR_RETURN(Tensor bg, ConvertTo(b, g.dtype()));
      if (!ta_) {
        VLMLAB_ASSIGN_OR_RETURN(ga, Matmul(g, bg, false, !tb_));
      } else if (b.dim() == 2 && a.dim() > 2) {
        VLMLAB_ASSIGN_OR_RETURN(Tensor t, Matmul(g, bg, false, !tb_));
        VLMLAB_ASSIGN_OR_RETURN(ga, Transpose(t, -1, -2));
        VLMLAB_ASSIGN_OR_RETURN(ga, MakeContiguous(ga));
      } else {
        VLMLAB_ASSIGN_OR_RETURN(ga, Matmul(bg, g, tb_, true));
      }
      VLMLAB_ASSIGN_OR_RETURN(ga, ConvertTo(ga, a.dtype()));
    }
    if (needs_input_grad(1)) {
      VLMLAB_ASSIGN_OR_RETURN(Tensor af, ConvertTo(a, g.dtype()));
      if (b.dim() == 2 && a.dim() > 2 && !ta_) {
        // Shared weight: fold the batch into the rows, one GEMM.
        int64_t k = a.size(-1);
        VLMLAB_ASSIGN_OR_RETURN(Tensor a2, Reshape(af, {a.numel() / k, k}));
        VLMLAB_ASSIGN_OR_RETURN(Tensor g2, Reshape(g, {g.numel() / g.size(-1), g.size(-1)}));
        VLMLAB_ASSIGN_OR_RETURN(gb,
                                tb_ ? Matmul(g2, a2, true, false) : Matmul(a2, g2, true, false));
      } else {
        VLMLAB_ASSIGN_OR_RETURN(gb, tb_ ? Matmul(g, af, true, ta_) : Matmul(af, g, !ta_, false));
        if (gb.shape() != b.shape()) {
          VLMLAB_ASSIGN_OR_RETURN(gb, SumTo(gb, b.shape()));
        }
      }
      VLMLAB_ASSIGN_OR_RETURN(gb, ConvertTo(gb, b.dtype()));
    }
    return std::vector<Tensor>{ga, gb};
  }

 private:
  bool ta_, tb_;
};

}  // namespace

absl::StatusOr<Tensor> Matmul(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  VLMLAB_RETURN_IF_ERROR(CheckSameKind("matmul", a, b));
  VLMLAB_RETURN_IF_ERROR(CheckFloating("matmul", a));
  if (a.dim() < 2 || b.dim() < 2) return ShapeError(a, b, ta, tb, "both need at least 2 axes");
  int64_t m = ta ? a.size(-1) : a.size(-2), k = ta ? a.size(-2) : a.size(-1);
  int64_t kb = tb ? b.size(-1) : b.size(-2), n = tb ? b.size(-2) : b.size(-1);
  if (k != kb) return ShapeError(a, b, ta, tb, "inner dimensions differ");
  Shape batch(a.shape().begin(), a.shape().end() - 2);
  Shape batch_b(b.shape().begin(), b.shape().end() - 2);
  if (!batch_b.empty() && batch_b != batch) {
    return ShapeError(a, b, ta, tb, "batch dimensions differ (b may also be 2-D and shared)");
  }
  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  DType out_dtype = a.dtype() == DType::kBF16 ? DType::kF32 : a.dtype();
  VLMLAB_ASSIGN_OR_RETURN(Tensor out, NewTensor(out_shape, out_dtype, a));
  VLMLAB_ASSIGN_OR_RETURN(Tensor ac, MakeContiguous(a));
  VLMLAB_ASSIGN_OR_RETURN(Tensor bc, MakeContiguous(b));
  // Mixed precision: f32 tensors multiply as bf16 with f32 accumulation when asked and a bf16
  // kernel exists for the device; results and gradients stay f32.
  DType compute = a.dtype();
  if (a.dtype() == DType::kF32 && GetMatmulPrecision() == MatmulPrecision::kBF16 &&
      HasFastBf16Matmul(a.device().type)) {
    VLMLAB_ASSIGN_OR_RETURN(ac, ConvertTo(ac, DType::kBF16));
    VLMLAB_ASSIGN_OR_RETURN(bc, ConvertTo(bc, DType::kBF16));
    compute = DType::kBF16;
  }
  MatmulParams params{ta, tb, 0.0f};
  VLMLAB_RETURN_IF_ERROR(MatmulKernels().Call(a.device(), compute, ac, bc, params, &out));
  RecordOp(std::make_shared<MatmulBackward>(ta, tb), {a, b}, &out);
  return out;
}

bool HasFastBf16Matmul(DeviceType device) {
  const auto* kernel = MatmulKernels().Find(device, DType::kBF16);
  return kernel != nullptr && kernel->backend != "reference";
}

absl::StatusOr<Tensor> Linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  VLMLAB_RETURN_IF_ERROR(CheckDefined("linear", x));
  VLMLAB_RETURN_IF_ERROR(CheckDefined("linear", weight, "weight"));
  if (weight.dim() != 2 || x.dim() < 1 || x.size(-1) != weight.size(1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "linear: input ", ShapeString(x.shape()), " and weight ", ShapeString(weight.shape()),
        ": weight must be [out, in] with in = ", x.dim() >= 1 ? x.size(-1) : 0));
  }
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != weight.size(0))) {
    return absl::InvalidArgumentError(absl::StrCat("linear: bias ", ShapeString(bias.shape()),
                                                   " does not match weight ",
                                                   ShapeString(weight.shape())));
  }
  Tensor x2 = x;
  if (x.dim() == 1) {
    VLMLAB_ASSIGN_OR_RETURN(x2, Reshape(x, {1, x.size(0)}));
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor y, Matmul(x2, weight, false, true));
  if (bias.defined()) {
    VLMLAB_ASSIGN_OR_RETURN(y, Add(y, bias));
  }
  if (x.dim() == 1) {
    VLMLAB_ASSIGN_OR_RETURN(y, Reshape(y, {weight.size(0)}));
  }
  return y;
}

}  // namespace vlmlab::ops
