#include "platform/ops/rope_ops.h"

#include <cmath>
#include <memory>

#include "kernels/api/rope.h"
#include "platform/autograd/node.h"
#include "platform/ops/op_support.h"

namespace vlmlab::ops {
namespace {

absl::StatusOr<Tensor> RotateBy(const Tensor& x, const Tensor& positions, float theta,
                                bool inverse);

// The gradient of a rotation is the opposite rotation (itself differentiable).
class RopeBackward : public Node {
 public:
  RopeBackward(Tensor positions, float theta, bool inverse)
      : positions_(std::move(positions)), theta_(theta), inverse_(inverse) {}
  const char* name() const override { return "rope"; }
  absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& g) override {
    const Tensor& x = inputs()[0];
    VLMLAB_ASSIGN_OR_RETURN(Tensor gx, RotateBy(g.dtype() == x.dtype() ? g : g.To(x.dtype()),
                                                positions_, theta_, !inverse_));
    return std::vector<Tensor>{gx};
  }

 private:
  Tensor positions_;  // contiguous i32
  float theta_;
  bool inverse_;
};

// x: [B, H, T, D], positions: contiguous i32 [T] or [B, T] (checked by Rope).
absl::StatusOr<Tensor> RotateBy(const Tensor& x, const Tensor& positions, float theta,
                                bool inverse) {
  VLMLAB_ASSIGN_OR_RETURN(Tensor y, NewTensor(x.shape(), x));
  VLMLAB_ASSIGN_OR_RETURN(Tensor xc, MakeContiguous(x));
  VLMLAB_RETURN_IF_ERROR(
      RopeKernels().Call(x.device(), x.dtype(), xc, positions, theta, inverse, &y));
  RecordOp(std::make_shared<RopeBackward>(positions, theta, inverse), {x}, &y);
  return y;
}

}  // namespace

absl::StatusOr<Tensor> Rope(const Tensor& x, const Tensor& positions, float theta) {
  VLMLAB_RETURN_IF_ERROR(CheckDefined("rope", x));
  VLMLAB_RETURN_IF_ERROR(CheckDefined("rope", positions, "positions"));
  auto error = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("rope: x ", x.DebugString(), " and positions ",
                                                   positions.DebugString(), ": ", why));
  };
  if (x.dtype() == DType::kI32) return error("x must be floating-point");
  if (x.dim() != 4) return error("x must be [B, H, T, D]");
  const int64_t b = x.size(0), t = x.size(2), d = x.size(3);
  if (d % 2 != 0) return error(absl::StrCat("the head size D = ", d, " must be even"));
  if (positions.dtype() != DType::kI32) return error("positions must be i32");
  if (positions.device() != x.device()) return error("x and positions are on different devices");
  const bool shape_ok = (positions.dim() == 1 && positions.size(0) == t) ||
                        (positions.dim() == 2 && positions.size(0) == b && positions.size(1) == t);
  if (!shape_ok) return error(absl::StrCat("positions must be [T] or [B, T] = [", b, ", ", t, "]"));
  if (!(std::isfinite(theta) && theta > 0)) {
    return error(absl::StrCat("theta must be positive and finite, got ", theta));
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor pc, MakeContiguous(positions));
  return RotateBy(x, pc.Detach(), theta, /*inverse=*/false);
}

}  // namespace vlmlab::ops
