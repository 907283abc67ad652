#include "kernels/api/optimizer_update.h"

namespace vlmlab {

VLMLAB_DEFINE_KERNEL_TABLE(SquaredNormKernels, SquaredNormKernel, "squared_norm")
VLMLAB_DEFINE_KERNEL_TABLE(AdamWKernels, AdamWKernel, "adamw_update")

}  // namespace vlmlab
