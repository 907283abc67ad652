// `pretrain` and `sft`: next-token cross-entropy on the batch's labelled tokens.
// - pretrain: every text token is a target (captions, interleaved documents); an optional
//   share of samples is fed without their images (text-only mixing).
// - sft: multi-turn conversations; by default only assistant tokens are targets.
// What counts as a target is decided by the chat template (platform/data/chat_template.h)
// from DataPolicy(); the loss is the mean over targets of the micro-batch.
#include <memory>

#include "platform/base/status_macros.h"
#include "platform/data/batch.h"
#include "platform/model/model_inputs.h"
#include "platform/model/vlm_model.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/stages.pb.h"

namespace vlmlab {
namespace {

class NextTokenStage : public Stage {
 public:
  explicit NextTokenStage(StageDataPolicy policy) : policy_(policy) {}
  StageDataPolicy DataPolicy() const override { return policy_; }
  absl::StatusOr<StageLoss> Loss(VlmModel& model, const data::Batch& batch) override {
    StageLoss out;
    VLMLAB_ASSIGN_OR_RETURN(out.loss, model.Loss(ToModelInputs(batch)));
    out.samples = batch.size();
    return out;
  }

 private:
  StageDataPolicy policy_;
};

VLMLAB_REGISTER_PLUGIN(
    Stage, PretrainOptions, "pretrain", "Next-token loss on captions and interleaved documents",
    [](const PretrainOptions& o, const BuildContext&) -> absl::StatusOr<std::unique_ptr<Stage>> {
      StageDataPolicy p;
      p.assistant_loss_only = false;
      p.text_only_fraction = o.text_only_fraction();
      return std::make_unique<NextTokenStage>(p);
    },
    nullptr);

VLMLAB_REGISTER_PLUGIN(
    Stage, SftOptions, "sft", "Supervised fine-tuning on conversations, loss on assistant tokens",
    [](const SftOptions& o, const BuildContext&) -> absl::StatusOr<std::unique_ptr<Stage>> {
      StageDataPolicy p;
      p.assistant_loss_only = o.assistant_loss_only();
      p.text_only_fraction = o.text_only_fraction();
      return std::make_unique<NextTokenStage>(p);
    },
    nullptr);

}  // namespace
}  // namespace vlmlab
