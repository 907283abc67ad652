#include "platform/ops/dropout_ops.h"

#include <memory>
#include <vector>

#include "kernels/api/dropout.h"
#include "platform/autograd/node.h"
#include "platform/ops/op_support.h"

namespace vlmlab::ops {
namespace {

// Dropout is linear with a fixed mask: the gradient is the same map applied to g.
class DropoutBackward : public Node {
 public:
  DropoutBackward(float p, uint64_t seed) : p_(p), seed_(seed) {}
  const char* name() const override { return "dropout"; }
  absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& g) override {
    const Tensor& x = inputs()[0];
    VLMLAB_ASSIGN_OR_RETURN(Tensor gc, MakeContiguous(g));
    if (gc.dtype() != x.dtype()) gc = gc.To(x.dtype());
    VLMLAB_ASSIGN_OR_RETURN(Tensor gx, NewTensor(x.shape(), x));
    VLMLAB_RETURN_IF_ERROR(DropoutKernels().Call(x.device(), x.dtype(), gc, p_, seed_, &gx));
    return std::vector<Tensor>{gx};
  }

 private:
  float p_;
  uint64_t seed_;
};

}  // namespace

absl::StatusOr<Tensor> Dropout(const Tensor& x, float p, uint64_t seed, bool training) {
  VLMLAB_RETURN_IF_ERROR(CheckDefined("dropout", x));
  VLMLAB_RETURN_IF_ERROR(CheckFloating("dropout", x));
  if (!(p >= 0 && p < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("dropout: input ", ShapeString(x.shape()), ": p ", p, " must be in [0, 1)"));
  }
  if (!training || p == 0) return x;
  VLMLAB_ASSIGN_OR_RETURN(Tensor out, NewTensor(x.shape(), x));
  VLMLAB_ASSIGN_OR_RETURN(Tensor xc, MakeContiguous(x));
  VLMLAB_RETURN_IF_ERROR(DropoutKernels().Call(x.device(), x.dtype(), xc, p, seed, &out));
  RecordOp(std::make_shared<DropoutBackward>(p, seed), {x}, &out);
  return out;
}

}  // namespace vlmlab::ops
