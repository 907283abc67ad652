#include "kernels/api/normalization.h"

namespace vlmlab {

VLMLAB_DEFINE_KERNEL_TABLE(LayerNormKernels, LayerNormKernel, "layer_norm")
VLMLAB_DEFINE_KERNEL_TABLE(LayerNormBackwardKernels, LayerNormBackwardKernel, "layer_norm_backward")
VLMLAB_DEFINE_KERNEL_TABLE(RmsNormKernels, RmsNormKernel, "rms_norm")
VLMLAB_DEFINE_KERNEL_TABLE(RmsNormBackwardKernels, RmsNormBackwardKernel, "rms_norm_backward")

}  // namespace vlmlab
