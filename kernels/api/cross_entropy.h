// Kernel signatures of the fused cross-entropy loss (log-softmax + negative log-likelihood over
// the last axis), with ignore_index, label smoothing and mean / sum / none reduction.
//
//   // logits: [..., V]; targets: i32 [...] (N = rows); lse: [N] f32 (saved for backward)
//   // loss: f32 [] for kMean / kSum, f32 with targets' shape for kNone
//   CrossEntropyParams p;  p.label_smoothing = 0.1f;
//   CrossEntropyKernels().Call(logits.device(), logits.dtype(), logits, targets, p, &loss, &lse);
//   CrossEntropyBackwardKernels().Call(logits.device(), logits.dtype(), logits, targets, lse,
//                                      grad_loss, p, &grad_logits);
//
// Row loss (s = label_smoothing):  lse - (1 - s) * x[target] - (s / V) * sum_j x[j];
// rows whose target is ignore_index contribute 0 and get zero gradient. kMean divides by the
// number of non-ignored rows; when every row is ignored the loss and gradient are 0 (no NaN).
// Gradient: grad_logits[i, j] = g_i * scale * (softmax(x_i)_j - (1 - s) [j == t_i] - s / V).
//
// Contracts (the ops layer guarantees them): contiguous tensors on one device; loss, lse and
// grad_loss are f32, grad_logits has logits' dtype. Kernels check targets before computing and
// return InvalidArgument naming the flat position, the target and V for a target outside
// [0, V) that is not ignore_index.
#ifndef VLMLAB_KERNELS_API_CROSS_ENTROPY_H_
#define VLMLAB_KERNELS_API_CROSS_ENTROPY_H_

#include <cstdint>

#include "kernels/api/kernel_table.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

enum class CrossEntropyReduction { kMean, kSum, kNone };
const char* CrossEntropyReductionName(CrossEntropyReduction r);  // "mean" / "sum" / "none"

struct CrossEntropyParams {
  int32_t ignore_index = -100;
  float label_smoothing = 0.0f;  // in [0, 1]
  CrossEntropyReduction reduction = CrossEntropyReduction::kMean;
};

using CrossEntropyKernel = absl::Status(const Tensor& logits, const Tensor& targets,
                                        const CrossEntropyParams& params, Tensor* loss,
                                        Tensor* lse);
KernelTable<CrossEntropyKernel>& CrossEntropyKernels();

// grad_loss has loss's shape (one element for kMean / kSum).
using CrossEntropyBackwardKernel = absl::Status(const Tensor& logits, const Tensor& targets,
                                                const Tensor& lse, const Tensor& grad_loss,
                                                const CrossEntropyParams& params,
                                                Tensor* grad_logits);
KernelTable<CrossEntropyBackwardKernel>& CrossEntropyBackwardKernels();

// The shared target check of CPU kernels: OK, or the InvalidArgument described above.
// `targets` holds n values.
absl::Status CheckCrossEntropyTargets(const int32_t* targets, int64_t n, int64_t vocab,
                                      int32_t ignore_index);

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_API_CROSS_ENTROPY_H_
