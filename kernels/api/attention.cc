#include "kernels/api/attention.h"

namespace vlmlab {

VLMLAB_DEFINE_KERNEL_TABLE(AttentionForwardKernels, AttentionForwardKernel, "attention_forward")
VLMLAB_DEFINE_KERNEL_TABLE(AttentionBackwardKernels, AttentionBackwardKernel, "attention_backward")

}  // namespace vlmlab
