#include "kernels/api/rope.h"

namespace vlmlab {

VLMLAB_DEFINE_KERNEL_TABLE(RopeKernels, RopeKernel, "rope")

}  // namespace vlmlab
