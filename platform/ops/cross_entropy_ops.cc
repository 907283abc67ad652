#include "platform/ops/cross_entropy_ops.h"

#include <cmath>
#include <memory>
#include <vector>

#include "platform/autograd/node.h"
#include "platform/ops/op_support.h"

namespace vlmlab::ops {
namespace {

class CrossEntropyBackward : public Node {
 public:
  CrossEntropyBackward(Tensor lse, CrossEntropyParams params)
      : lse_(std::move(lse)), params_(params) {}
  const char* name() const override { return "cross_entropy"; }
  absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& g) override {
    const Tensor& logits = inputs()[0];
    VLMLAB_ASSIGN_OR_RETURN(Tensor lc, MakeContiguous(logits));
    VLMLAB_ASSIGN_OR_RETURN(Tensor tc, MakeContiguous(inputs()[1]));
    VLMLAB_ASSIGN_OR_RETURN(Tensor gc, MakeContiguous(g));
    if (gc.dtype() != DType::kF32) gc = gc.To(DType::kF32);
    VLMLAB_ASSIGN_OR_RETURN(Tensor gl, NewTensor(logits.shape(), logits));  // [..., V]
    VLMLAB_RETURN_IF_ERROR(CrossEntropyBackwardKernels().Call(logits.device(), logits.dtype(), lc,
                                                              tc, lse_, gc, params_, &gl));
    return std::vector<Tensor>{gl, Tensor()};
  }

 private:
  Tensor lse_;  // [N] f32
  CrossEntropyParams params_;
};

absl::Status CheckArgs(const Tensor& logits, const Tensor& targets, const CrossEntropyParams& p) {
  VLMLAB_RETURN_IF_ERROR(CheckDefined("cross_entropy", logits, "logits"));
  VLMLAB_RETURN_IF_ERROR(CheckDefined("cross_entropy", targets, "targets"));
  VLMLAB_RETURN_IF_ERROR(CheckFloating("cross_entropy", logits));
  const std::string shapes = absl::StrCat("cross_entropy: logits ", logits.DebugString(),
                                          " and targets ", targets.DebugString(), ": ");
  if (targets.dtype() != DType::kI32 || targets.device() != logits.device()) {
    return absl::InvalidArgumentError(
        absl::StrCat(shapes, "targets must be i32 class indices on the logits' device"));
  }
  if (logits.dim() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(shapes, "logits need a class axis"));
  }
  Shape expect(logits.shape().begin(), logits.shape().end() - 1);
  if (targets.shape() != expect) {
    return absl::InvalidArgumentError(absl::StrCat(shapes, "targets must be ", ShapeString(expect),
                                                   " (the logits without their last axis)"));
  }
  if (!(p.label_smoothing >= 0 && p.label_smoothing <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat(shapes, "label_smoothing ", p.label_smoothing, " must be in [0, 1]"));
  }
  if (targets.device().type == DeviceType::kCpu) {  // other devices: the kernel checks
    const int64_t v = logits.size(-1);
    const Tensor held = targets.Contiguous();
    const int32_t* t = held.data<int32_t>();
    for (int64_t i = 0; i < targets.numel(); ++i) {
      if (t[i] != p.ignore_index && (t[i] < 0 || t[i] >= v)) {
        return absl::InvalidArgumentError(absl::StrCat(
            shapes, "target ", t[i], " at position ", IndexString(targets.shape(), i),
            " is outside [0, ", v, ") and is not ignore_index ", p.ignore_index));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Tensor> CrossEntropy(const Tensor& logits, const Tensor& targets,
                                    const CrossEntropyParams& params) {
  VLMLAB_RETURN_IF_ERROR(CheckArgs(logits, targets, params));
  Shape loss_shape = params.reduction == CrossEntropyReduction::kNone ? targets.shape() : Shape{};
  VLMLAB_ASSIGN_OR_RETURN(Tensor loss, NewTensor(loss_shape, DType::kF32, logits));
  VLMLAB_ASSIGN_OR_RETURN(Tensor lse, NewTensor({targets.numel()}, DType::kF32, logits));  // [N]
  VLMLAB_ASSIGN_OR_RETURN(Tensor lc, MakeContiguous(logits));
  VLMLAB_ASSIGN_OR_RETURN(Tensor tc, MakeContiguous(targets));
  absl::Status s =
      CrossEntropyKernels().Call(logits.device(), logits.dtype(), lc, tc, params, &loss, &lse);
  if (!s.ok()) {
    return absl::Status(
        s.code(), absl::StrCat("cross_entropy: logits ", logits.DebugString(), " and targets ",
                               targets.DebugString(), ": ", s.message()));
  }
  RecordOp(std::make_shared<CrossEntropyBackward>(lse, params), {logits, targets}, &loss);
  return loss;
}

}  // namespace vlmlab::ops
