#include "platform/ops/softmax_ops.h"

#include <memory>
#include <vector>

#include "kernels/api/softmax.h"
#include "platform/autograd/node.h"
#include "platform/ops/op_support.h"

namespace vlmlab::ops {
namespace {

class SoftmaxBackward : public Node {
 public:
  // `y` is the forward output, detached (the node must not own its own output's history).
  SoftmaxBackward(SoftmaxKind kind, Tensor y) : kind_(kind), y_(std::move(y)) {}
  const char* name() const override { return SoftmaxKindName(kind_); }
  absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& g) override {
    VLMLAB_ASSIGN_OR_RETURN(Tensor gc, MakeContiguous(g));
    if (gc.dtype() != y_.dtype()) gc = gc.To(y_.dtype());
    VLMLAB_ASSIGN_OR_RETURN(Tensor gx, NewTensor(y_.shape(), y_));
    VLMLAB_RETURN_IF_ERROR(
        SoftmaxBackwardKernels().Call(y_.device(), y_.dtype(), kind_, y_, gc, &gx));
    return std::vector<Tensor>{gx};
  }

 private:
  SoftmaxKind kind_;
  Tensor y_;  // [..., C]
};

absl::StatusOr<Tensor> SoftmaxImpl(SoftmaxKind kind, const Tensor& x) {
  const char* name = SoftmaxKindName(kind);
  VLMLAB_RETURN_IF_ERROR(CheckDefined(name, x));
  VLMLAB_RETURN_IF_ERROR(CheckFloating(name, x));
  if (x.dim() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": input ", x.DebugString(), ": needs at least one axis"));
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor out, NewTensor(x.shape(), x));  // [..., C]
  VLMLAB_ASSIGN_OR_RETURN(Tensor xc, MakeContiguous(x));
  VLMLAB_RETURN_IF_ERROR(SoftmaxKernels().Call(x.device(), x.dtype(), kind, xc, &out));
  RecordOp(std::make_shared<SoftmaxBackward>(kind, out.Detach()), {x}, &out);
  return out;
}

}  // namespace

absl::StatusOr<Tensor> Softmax(const Tensor& x) { return SoftmaxImpl(SoftmaxKind::kSoftmax, x); }
absl::StatusOr<Tensor> LogSoftmax(const Tensor& x) { return SoftmaxImpl(SoftmaxKind::kLog, x); }

}  // namespace vlmlab::ops
