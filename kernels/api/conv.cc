#include "kernels/api/conv.h"

namespace vlmlab {

VLMLAB_DEFINE_KERNEL_TABLE(Conv2dKernels, Conv2dKernel, "conv2d")
VLMLAB_DEFINE_KERNEL_TABLE(Conv2dBackwardDataKernels, Conv2dBackwardDataKernel,
                           "conv2d_backward_data")
VLMLAB_DEFINE_KERNEL_TABLE(Conv2dBackwardWeightsKernels, Conv2dBackwardWeightsKernel,
                           "conv2d_backward_weights")

}  // namespace vlmlab
