#include "kernels/api/copy.h"

namespace vlmlab {

VLMLAB_DEFINE_KERNEL_TABLE(CopyKernels, CopyKernel, "copy")

}  // namespace vlmlab
