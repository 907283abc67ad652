#include "kernels/api/dropout.h"

namespace vlmlab {

VLMLAB_DEFINE_KERNEL_TABLE(DropoutKernels, DropoutKernel, "dropout")

}  // namespace vlmlab
