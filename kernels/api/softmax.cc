#include "kernels/api/softmax.h"

namespace vlmlab {

VLMLAB_DEFINE_KERNEL_TABLE(SoftmaxKernels, SoftmaxKernel, "softmax")
VLMLAB_DEFINE_KERNEL_TABLE(SoftmaxBackwardKernels, SoftmaxBackwardKernel, "softmax_backward")

const char* SoftmaxKindName(SoftmaxKind kind) {
  return kind == SoftmaxKind::kLog ? "log_softmax" : "softmax";
}

}  // namespace vlmlab
