// The DPO objective (Rafailov et al. 2023) with conservative label smoothing, from per-sequence
// log-probabilities of the policy and of the frozen reference model:
//
//   h = (log pi(chosen) - log pi(rejected)) - (log ref(chosen) - log ref(rejected))
//   loss = mean over pairs of  -(1 - eps) log sigmoid(beta h) - eps log sigmoid(-beta h)
//
//   absl::StatusOr<DpoLossResult> r = DpoLoss(policy_chosen, policy_rejected,   // f32 [P]
//                                             ref_chosen, ref_rejected,         // f32 [P]
//                                             /*beta=*/0.1f, /*label_smoothing=*/0.0f);
//   // r->loss: scalar with autograd history through the policy log-probs
#ifndef VLMLAB_PLUGINS_STAGES_DPO_LOSS_H_
#define VLMLAB_PLUGINS_STAGES_DPO_LOSS_H_

#include "absl/status/statusor.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

struct DpoLossResult {
  Tensor loss;                 // scalar
  double reward_margin = 0;    // mean of beta * h (implicit reward of chosen minus rejected)
  double reward_accuracy = 0;  // share of pairs with h > 0
};

absl::StatusOr<DpoLossResult> DpoLoss(const Tensor& policy_chosen, const Tensor& policy_rejected,
                                      const Tensor& ref_chosen, const Tensor& ref_rejected,
                                      float beta, float label_smoothing);

}  // namespace vlmlab

#endif  // VLMLAB_PLUGINS_STAGES_DPO_LOSS_H_
