#include "kernels/api/cross_entropy.h"

namespace vlmlab {

VLMLAB_DEFINE_KERNEL_TABLE(CrossEntropyKernels, CrossEntropyKernel, "cross_entropy")
VLMLAB_DEFINE_KERNEL_TABLE(CrossEntropyBackwardKernels, CrossEntropyBackwardKernel,
                           "cross_entropy_backward")

const char* CrossEntropyReductionName(CrossEntropyReduction r) {
  switch (r) {
    case CrossEntropyReduction::kMean:
      return "mean";
    case CrossEntropyReduction::kSum:
      return "sum";
    case CrossEntropyReduction::kNone:
      return "none";
  }
  return "?";
}

absl::Status CheckCrossEntropyTargets(const int32_t* targets, int64_t n, int64_t vocab,
                                      int32_t ignore_index) {
  for (int64_t i = 0; i < n; ++i) {
    int32_t t = targets[i];
    if (t != ignore_index && (t < 0 || t >= vocab)) {
      return absl::InvalidArgumentError(absl::StrCat("target ", t, " at position ", i,
                                                     " is outside [0, ", vocab,
                                                     ") and is not ignore_index ", ignore_index));
    }
  }
  return absl::OkStatus();
}

}  // namespace vlmlab
