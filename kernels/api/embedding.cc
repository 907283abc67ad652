#include "kernels/api/embedding.h"

namespace vlmlab {

VLMLAB_DEFINE_KERNEL_TABLE(EmbeddingKernels, EmbeddingKernel, "embedding")
VLMLAB_DEFINE_KERNEL_TABLE(EmbeddingBackwardKernels, EmbeddingBackwardKernel, "embedding_backward")

absl::Status CheckEmbeddingIds(const int32_t* ids, int64_t n, int64_t vocab) {
  for (int64_t i = 0; i < n; ++i) {
    if (ids[i] < 0 || ids[i] >= vocab) {
      return absl::InvalidArgumentError(
          absl::StrCat("id ", ids[i], " at position ", i, " is outside [0, ", vocab, ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace vlmlab
