#include "kernels/api/convert.h"

namespace vlmlab {

VLMLAB_DEFINE_KERNEL_TABLE(ConvertKernels, ConvertKernel, "convert")

}  // namespace vlmlab
