// `dpo`: direct preference optimisation (plugins/stages/dpo_loss.h) against a frozen copy of
// the model as it was when the stage started.
//
// Batches hold preference pairs (DataPolicy().preference_pairs): rows 2i (chosen) and 2i + 1
// (rejected) share a prompt; labels cover only the answer. The reference is a snapshot of
// every parameter taken in Prepare and saved under the stage's work directory
// (dpo_reference.safetensors), so a resumed run compares against the same reference. Its
// log-probabilities are computed by loading the snapshot into the model in place, without
// gradients and in eval mode, then restoring the current weights: no second model in memory
// besides the snapshot, and LoRA adapters (part of the state dict) are handled alike.
#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "platform/autograd/grad_mode.h"
#include "platform/base/status_macros.h"
#include "platform/data/batch.h"
#include "platform/model/model_inputs.h"
#include "platform/model/vlm_model.h"
#include "platform/ops/shape_ops.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/stages.pb.h"
#include "platform/weights/safetensors.h"
#include "plugins/stages/dpo_loss.h"

namespace vlmlab {
namespace {

nn::TensorMap DeepCopy(const nn::TensorMap& m) {
  nn::TensorMap out;
  for (const auto& [name, t] : m) out[name] = t.To(t.dtype());
  return out;
}

class DpoStage : public Stage {
 public:
  explicit DpoStage(const DpoOptions& o) : options_(o) {}

  StageDataPolicy DataPolicy() const override {
    StageDataPolicy p;
    p.assistant_loss_only = true;
    p.preference_pairs = true;
    return p;
  }

  absl::Status Prepare(VlmModel& model, const StageContext& context) override {
    std::string path = (std::filesystem::path(context.work_dir) / "dpo_reference.safetensors");
    if (context.resuming && std::filesystem::exists(path)) {
      VLMLAB_ASSIGN_OR_RETURN(weights::SafetensorsFile f, weights::ReadSafetensors(path));
      reference_ = std::move(f.tensors);
      return absl::OkStatus();
    }
    reference_ = DeepCopy(model.StateDict());
    std::error_code ec;
    std::filesystem::create_directories(context.work_dir, ec);
    return weights::WriteSafetensors(path, reference_, {{"format", "vlmlab"}});
  }

  absl::StatusOr<StageLoss> Loss(VlmModel& model, const data::Batch& batch) override {
    if (reference_.empty()) {
      return absl::FailedPreconditionError("dpo: Prepare() was not called before Loss()");
    }
    if (batch.size() % 2 != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "dpo: a batch of preference pairs needs an even number of rows, got ", batch.size()));
    }
    ModelInputs in = ToModelInputs(batch);
    Tensor ref_logp;  // [2P]
    {
      NoGradScope no_grad;
      nn::TensorMap current = DeepCopy(model.StateDict());
      bool was_training = model.is_training();
      VLMLAB_RETURN_IF_ERROR(model.LoadStateDict(reference_));
      model.SetTraining(false);
      absl::StatusOr<Tensor> r = model.SequenceLogProbs(in);
      model.SetTraining(was_training);
      VLMLAB_RETURN_IF_ERROR(model.LoadStateDict(current));
      VLMLAB_RETURN_IF_ERROR(r.status());
      ref_logp = r->Detach();
    }
    VLMLAB_ASSIGN_OR_RETURN(Tensor logp, model.SequenceLogProbs(in));  // [2P]
    const int64_t pairs = batch.size() / 2;
    VLMLAB_ASSIGN_OR_RETURN(Tensor lp, ops::Reshape(logp, {pairs, 2}));
    VLMLAB_ASSIGN_OR_RETURN(Tensor rp, ops::Reshape(ref_logp, {pairs, 2}));
    auto column = [&](const Tensor& t, int64_t c) -> absl::StatusOr<Tensor> {
      VLMLAB_ASSIGN_OR_RETURN(Tensor s, ops::Slice(t, 1, c, c + 1));
      return ops::Reshape(s, {pairs});
    };
    VLMLAB_ASSIGN_OR_RETURN(Tensor pc, column(lp, 0));
    VLMLAB_ASSIGN_OR_RETURN(Tensor pr, column(lp, 1));
    VLMLAB_ASSIGN_OR_RETURN(Tensor rc, column(rp, 0));
    VLMLAB_ASSIGN_OR_RETURN(Tensor rr, column(rp, 1));
    VLMLAB_ASSIGN_OR_RETURN(DpoLossResult r, DpoLoss(pc, pr, rc, rr, options_.beta(),
                                                     options_.label_smoothing()));
    StageLoss out;
    out.loss = r.loss;
    out.samples = pairs;
    out.metrics["dpo/reward_margin"] = r.reward_margin;
    out.metrics["dpo/reward_accuracy"] = r.reward_accuracy;
    return out;
  }

 private:
  DpoOptions options_;
  nn::TensorMap reference_;
};

VLMLAB_REGISTER_PLUGIN(
    Stage, DpoOptions, "dpo", "Direct preference optimisation against a frozen reference model",
    [](const DpoOptions& o, const BuildContext&) -> absl::StatusOr<std::unique_ptr<Stage>> {
      return std::make_unique<DpoStage>(o);
    },
    nullptr);

}  // namespace
}  // namespace vlmlab
