#include "kernels/api/matmul.h"

namespace vlmlab {

VLMLAB_DEFINE_KERNEL_TABLE(MatmulKernels, MatmulKernel, "matmul")

}  // namespace vlmlab
