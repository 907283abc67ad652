#include "kernels/api/attention.h"

#include <unordered_map>

namespace vlmlab {

AttentionMaskRows::AttentionMaskRows(const AttentionParams& p, int64_t tq, int64_t tk)
    : causal_(p.causal), tq_(tq), tk_(tk) {
  if (p.key_padding_mask.defined()) pad_ = p.key_padding_mask.data<int32_t>();
  if (p.mask.defined()) {
    mask_ = p.mask.data<int32_t>();
    if (p.mask.dim() == 4) {
      batch_stride_ = p.mask.size(0) == 1 ? 0 : p.mask.size(1) * tq * tk;
      head_stride_ = p.mask.size(1) == 1 ? 0 : tq * tk;
    }
  }
  if (p.segment_ids.defined()) {
    segments_ = p.segment_ids.data<int32_t>();
    const int64_t rows = p.segment_ids.size(0);
    first_of_segment_.resize(rows * tk);
    std::unordered_map<int32_t, int64_t> first;  // segment id -> its first key in the row
    for (int64_t b = 0; b < rows; ++b) {
      first.clear();
      const int32_t* seg = segments_ + b * tk;
      int64_t* out = first_of_segment_.data() + b * tk;
      for (int64_t j = 0; j < tk; ++j) {
        // Packed rows hold runs of one id: only a run's first key needs the lookup.
        out[j] =
            j > 0 && seg[j] == seg[j - 1] ? out[j - 1] : first.emplace(seg[j], j).first->second;
      }
    }
  }
}

VLMLAB_DEFINE_KERNEL_TABLE(AttentionForwardKernels, AttentionForwardKernel, "attention_forward")
VLMLAB_DEFINE_KERNEL_TABLE(AttentionBackwardKernels, AttentionBackwardKernel, "attention_backward")

}  // namespace vlmlab
