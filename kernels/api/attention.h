// Kernel signatures of fused scaled-dot-product attention (forward and backward), and the
// mask lookup CPU kernels share.
//
//   q: [B, Hq, Tq, D]   k: [B, Hkv, Tk, D]   v: [B, Hkv, Tk, Dv]   (Hq a multiple of Hkv;
//   query head h reads kv head h / (Hq / Hkv))
//   out: [B, Hq, Tq, Dv] (q's dtype)   lse: f32 [B, Hq, Tq], log-sum-exp of each row's scaled
//   scores, -inf for a row whose every key is masked (its output is zeros)
//
//   AttentionParams p{/*scale=*/0.125f, /*causal=*/true};
//   absl::Status s = AttentionForwardKernels().Call(q.device(), q.dtype(), q, k, v, p, &out, &lse);
//   s = AttentionBackwardKernels().Call(q.device(), q.dtype(), q, k, v, lse, grad_out, p,
//                                       &dq, &dk, &dv);   // any of dq/dk/dv may be nullptr
//
// A key is attended when every mask given allows it: causal, key padding, the boolean mask and
// the segment ids (same segment as the query).
//
// Contracts (the ops layer guarantees them): every tensor contiguous and on one device; q, k,
// v, out, grad_out, dq, dk, dv share a dtype; masks are i32 (nonzero = attend). Kernels
// overwrite every element of their outputs; dk and dv sum over the query heads of a group.
#ifndef VLMLAB_KERNELS_API_ATTENTION_H_
#define VLMLAB_KERNELS_API_ATTENTION_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/api/kernel_table.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

struct AttentionParams {
  float scale = 1.0f;  // scores = scale * q . k
  // Query i attends keys j <= i + (Tk - Tq): aligned to the end, as with a KV cache.
  bool causal = false;
  Tensor key_padding_mask;  // i32 [B, Tk] or undefined
  Tensor mask;              // i32 [Tq, Tk] or [B or 1, Hq or 1, Tq, Tk], or undefined
  // i32 [B, Tk] or undefined: query i attends only keys of its own segment, the segment of key
  // i + (Tk - Tq) (aligned to the end like `causal`; Tq <= Tk). Packed sequences: several
  // samples in one row, each its own segment (a block-diagonal mask).
  Tensor segment_ids;
};

using AttentionForwardKernel = absl::Status(const Tensor& q, const Tensor& k, const Tensor& v,
                                            const AttentionParams& params, Tensor* out,
                                            Tensor* lse);
KernelTable<AttentionForwardKernel>& AttentionForwardKernels();

// Gradients from the forward's lse (probabilities are recomputed, flash-attention style).
using AttentionBackwardKernel = absl::Status(const Tensor& q, const Tensor& k, const Tensor& v,
                                             const Tensor& lse, const Tensor& grad_out,
                                             const AttentionParams& params, Tensor* dq, Tensor* dk,
                                             Tensor* dv);
KernelTable<AttentionBackwardKernel>& AttentionBackwardKernels();

// For CPU kernels: which keys query row (b, h, i) may attend. Candidates are the keys
// j in [KeyBegin(b, i), KeyEnd(i)) (every other key is masked); a candidate is attended when
// RowFor(b, h, i).Allowed(j).
//
//   const AttentionMaskRows masks(params, tq, tk);
//   const AttentionMaskRows::Row row = masks.RowFor(b, h, i);
//   for (int64_t j = masks.KeyBegin(b, i); j < masks.KeyEnd(i); ++j) if (row.Allowed(j)) ...
class AttentionMaskRows {
 public:
  // The masks and segment ids of one query row.
  struct Row {
    const int32_t* pad = nullptr;       // key_padding_mask row, or nullptr
    const int32_t* mask = nullptr;      // mask row, or nullptr
    const int32_t* segments = nullptr;  // segment_ids row, or nullptr
    int32_t segment = 0;                // the query's segment (with segments)
    bool Allowed(int64_t j) const {
      return (pad == nullptr || pad[j] != 0) && (mask == nullptr || mask[j] != 0) &&
             (segments == nullptr || segments[j] == segment);
    }
  };

  AttentionMaskRows(const AttentionParams& p, int64_t tq, int64_t tk);
  int64_t KeyEnd(int64_t i) const {
    return causal_ ? std::clamp<int64_t>(i + tk_ - tq_ + 1, 0, tk_) : tk_;
  }
  // The first key of query i's segment (0 without segment ids): the keys before it are masked.
  int64_t KeyBegin(int64_t b, int64_t i) const {
    return segments_ ? first_of_segment_[b * tk_ + i + tk_ - tq_] : 0;
  }
  Row RowFor(int64_t b, int64_t h, int64_t i) const {
    Row r;
    if (pad_) r.pad = pad_ + b * tk_;
    if (mask_) r.mask = mask_ + b * batch_stride_ + h * head_stride_ + i * tk_;
    if (segments_) {
      r.segments = segments_ + b * tk_;
      r.segment = r.segments[i + tk_ - tq_];
    }
    return r;
  }

 private:
  bool causal_;
  int64_t tq_, tk_;
  const int32_t* pad_ = nullptr;
  const int32_t* mask_ = nullptr;
  const int32_t* segments_ = nullptr;
  int64_t batch_stride_ = 0, head_stride_ = 0;
  // [B, Tk]: the first key of row b whose segment id is that of key j.
  std::vector<int64_t> first_of_segment_;
};

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_API_ATTENTION_H_
