// Differentiable fused scaled-dot-product attention with causal, key-padding, boolean and
// segment (packed sequences) masks, grouped-query heads and cross attention. Backward gives dq, dk
// and dv from the saved per-row log-sum-exp (probabilities recomputed, flash-attention style).
//
//   // q: [B, Hq, Tq, D], k: [B, Hkv, Tk, D], v: [B, Hkv, Tk, Dv]  ->  [B, Hq, Tq, Dv]
//   ops::AttentionOptions opt;
//   opt.causal = true;                        // query i sees keys j <= i + (Tk - Tq)
//   opt.key_padding_mask = pad;               // i32 [B, Tk], 1 = attend
//   opt.segment_ids = seg;                    // i32 [B, Tk]: packed samples 0 0 0 1 1 2 ...
//   absl::StatusOr<Tensor> a = ops::ScaledDotProductAttention(q, k, v, opt);
//
// Hq must be a multiple of Hkv (query head h uses kv head h / (Hq / Hkv)). A query row whose
// every key is masked outputs zeros and gets zero gradients.
#ifndef VLMLAB_PLATFORM_OPS_ATTENTION_OPS_H_
#define VLMLAB_PLATFORM_OPS_ATTENTION_OPS_H_

#include <optional>

#include "absl/status/statusor.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::ops {

struct AttentionOptions {
  std::optional<float> scale;  // default 1 / sqrt(D)
  bool causal = false;         // aligned to the end of the keys (KV-cache style)
  Tensor key_padding_mask;     // i32 [B, Tk], nonzero = attend (optional)
  Tensor mask;                 // i32 [Tq, Tk] or [B or 1, Hq or 1, Tq, Tk], nonzero = attend
  // i32 [B, Tk] (optional; Tq <= Tk): query i attends only the keys whose segment id equals that
  // of key i + (Tk - Tq), i.e. its own sample in a packed row (block-diagonal attention). The
  // fused CPU kernel skips the key blocks of earlier segments.
  Tensor segment_ids;
};

absl::StatusOr<Tensor> ScaledDotProductAttention(const Tensor& q, const Tensor& k, const Tensor& v,
                                                 const AttentionOptions& options = {});

}  // namespace vlmlab::ops

#endif  // VLMLAB_PLATFORM_OPS_ATTENTION_OPS_H_
