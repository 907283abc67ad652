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
// Contracts (the ops layer guarantees them): every tensor contiguous and on one device; q, k,
// v, out, grad_out, dq, dk, dv share a dtype; masks are i32 (nonzero = attend). Kernels
// overwrite every element of their outputs; dk and dv sum over the query heads of a group.
#ifndef VLMLAB_KERNELS_API_ATTENTION_H_
#define VLMLAB_KERNELS_API_ATTENTION_H_

#include <algorithm>
#include <cstdint>

#include "kernels/api/kernel_table.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

struct AttentionParams {
  float scale = 1.0f;  // scores = scale * q . k
  // Query i attends keys j <= i + (Tk - Tq): aligned to the end, as with a KV cache.
  bool causal = false;
  Tensor key_padding_mask;  // i32 [B, Tk] or undefined
  Tensor mask;              // i32 [Tq, Tk] or [B or 1, Hq or 1, Tq, Tk], or undefined
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

// For CPU kernels: the keys query row (b, h, i) may attend are the j < KeyEnd(i) with
// Allowed(pad, row, j), where pad = PaddingRow(b) and row = MaskRow(b, h, i) (nullptr: none).
class AttentionMaskRows {
 public:
  AttentionMaskRows(const AttentionParams& p, int64_t tq, int64_t tk)
      : causal_(p.causal), tq_(tq), tk_(tk) {
    if (p.key_padding_mask.defined()) pad_ = p.key_padding_mask.data<int32_t>();
    if (p.mask.defined()) {
      mask_ = p.mask.data<int32_t>();
      if (p.mask.dim() == 4) {
        batch_stride_ = p.mask.size(0) == 1 ? 0 : p.mask.size(1) * tq * tk;
        head_stride_ = p.mask.size(1) == 1 ? 0 : tq * tk;
      }
    }
  }
  int64_t KeyEnd(int64_t i) const {
    return causal_ ? std::clamp<int64_t>(i + tk_ - tq_ + 1, 0, tk_) : tk_;
  }
  const int32_t* PaddingRow(int64_t b) const { return pad_ ? pad_ + b * tk_ : nullptr; }
  const int32_t* MaskRow(int64_t b, int64_t h, int64_t i) const {
    return mask_ ? mask_ + b * batch_stride_ + h * head_stride_ + i * tk_ : nullptr;
  }
  static bool Allowed(const int32_t* pad, const int32_t* row, int64_t j) {
    return (pad == nullptr || pad[j] != 0) && (row == nullptr || row[j] != 0);
  }

 private:
  bool causal_;
  int64_t tq_, tk_;
  const int32_t* pad_ = nullptr;
  const int32_t* mask_ = nullptr;
  int64_t batch_stride_ = 0, head_stride_ = 0;
};

}  // namespace vlmlab

#endif  // VLMLAB_KERNELS_API_ATTENTION_H_
