// Differentiable cross-entropy loss over the last axis: one fused kernel for log-softmax + NLL
// forward and one for the backward, with ignore_index, label smoothing and a reduction.
//
//   // logits: [N, V] (or [B, T, V]); targets: i32 [N] (or [B, T])
//   absl::StatusOr<Tensor> loss = ops::CrossEntropy(logits, targets);   // f32 [], mean
//   CrossEntropyParams p;
//   p.ignore_index = pad_id;
//   p.label_smoothing = 0.1f;
//   p.reduction = CrossEntropyReduction::kNone;
//   absl::StatusOr<Tensor> per_token = ops::CrossEntropy(logits, targets, p);   // f32 [B, T]
//
// kMean averages over the non-ignored positions; a batch with every position ignored gives loss
// 0 and zero gradients. The loss is f32 (also for bf16 logits). A target outside [0, V) that is
// not ignore_index fails naming the op, the position, the target and V.
#ifndef VLMLAB_PLATFORM_OPS_CROSS_ENTROPY_OPS_H_
#define VLMLAB_PLATFORM_OPS_CROSS_ENTROPY_OPS_H_

#include "absl/status/statusor.h"
#include "kernels/api/cross_entropy.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::ops {

absl::StatusOr<Tensor> CrossEntropy(const Tensor& logits, const Tensor& targets,
                                    const CrossEntropyParams& params = {});

}  // namespace vlmlab::ops

#endif  // VLMLAB_PLATFORM_OPS_CROSS_ENTROPY_OPS_H_
