#include "plugins/stages/dpo_loss.h"

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/ops/composite_ops.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/shape_ops.h"

namespace vlmlab {
absl::StatusOr<DpoLossResult> DpoLoss(const Tensor& policy_chosen, const Tensor& policy_rejected,
                                      const Tensor& ref_chosen, const Tensor& ref_rejected,
                                      float beta, float label_smoothing) {
  for (const Tensor* t : {&policy_chosen, &policy_rejected, &ref_chosen, &ref_rejected}) {
    if (t->dim() != 1 || t->size(0) != policy_chosen.size(0) || t->size(0) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "dpo: log-probabilities must be four [P] tensors of the same P > 0, got ",
          t->DebugString()));
    }
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor policy_diff, ops::Sub(policy_chosen, policy_rejected));  // [P]
  VLMLAB_ASSIGN_OR_RETURN(Tensor ref_diff, ops::Sub(ref_chosen.Detach(), ref_rejected.Detach()));
  VLMLAB_ASSIGN_OR_RETURN(Tensor h, ops::Sub(policy_diff, ref_diff));                      // [P]
  VLMLAB_ASSIGN_OR_RETURN(Tensor bh, ops::Scale(h, beta));
  VLMLAB_ASSIGN_OR_RETURN(Tensor log_p, ops::LogSigmoid(bh));
  VLMLAB_ASSIGN_OR_RETURN(Tensor per_pair, ops::Scale(log_p, -(1.0f - label_smoothing)));
  if (label_smoothing > 0) {
    VLMLAB_ASSIGN_OR_RETURN(Tensor neg_bh, ops::Scale(bh, -1.0f));
    VLMLAB_ASSIGN_OR_RETURN(Tensor log_q, ops::LogSigmoid(neg_bh));
    VLMLAB_ASSIGN_OR_RETURN(Tensor smooth, ops::Scale(log_q, -label_smoothing));
    VLMLAB_ASSIGN_OR_RETURN(per_pair, ops::Add(per_pair, smooth));
  }
  DpoLossResult out;
  VLMLAB_ASSIGN_OR_RETURN(out.loss, ops::Mean(per_pair));
  std::vector<float> hv = h.ToVector();
  for (float v : hv) {
    out.reward_margin += beta * v / hv.size();
    out.reward_accuracy += (v > 0 ? 1.0 : 0.0) / hv.size();
  }
  return out;
}

}  // namespace vlmlab
