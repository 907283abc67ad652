// `contrastive`: CLIP or SigLIP pre-training of the encoder and model.text_tower on the
// image-caption pairs of the stage's mixture (plugins/stages/contrastive_loss.h for the
// losses). Every sample brings one image and a caption: Sample::captions (one drawn per use
// when there are several, as COCO's five), else the text of its last assistant turn (the
// synthetic caption and alt-text tasks). The rest of the batch are the negatives, so the batch
// size is part of the recipe. Patch dropping of the encoder (FLIP) applies as in any stage.
//
//   stages { name: "clip" contrastive { loss: SIGLIP } steps: 1000 batch_size: 64
//            mixture: "captions" }
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/data/batch.h"
#include "platform/model/costs.h"
#include "platform/model/vlm_model.h"
#include "platform/nn/init.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/stages.pb.h"
#include "platform/tensor/counter_random.h"
#include "plugins/stages/contrastive_loss.h"

namespace vlmlab {
namespace {

class ContrastiveStage : public Stage {
 public:
  ContrastiveStage(const ContrastiveOptions& o, uint64_t seed) : options_(o), seed_(seed) {}

  StageDataPolicy DataPolicy() const override {
    StageDataPolicy p;
    p.needs_text_tower = true;
    p.whole_single_images = true;
    return p;
  }

  absl::Status Prepare(VlmModel& model, const StageContext& context) override {
    VLMLAB_ASSIGN_OR_RETURN(TextTower * tower, model.text_tower());
    micro_batches_ = context.micro_batches_done;
    if (context.resuming) return absl::OkStatus();  // the checkpoint holds them
    const bool siglip = options_.loss() == ContrastiveOptions::SIGLIP;
    const float log_scale = static_cast<float>(siglip ? std::log(10.0) : std::log(1 / 0.07));
    VLMLAB_RETURN_IF_ERROR(nn::AssignValues(tower->log_scale(), Tensor::Full({1}, log_scale)));
    return nn::AssignValues(tower->bias(), Tensor::Full({1}, siglip ? -10.0f : 0.0f));
  }

  absl::StatusOr<StageLoss> Loss(VlmModel& model, const data::Batch& batch) override {
    VLMLAB_ASSIGN_OR_RETURN(TextTower * tower, model.text_tower());
    VLMLAB_ASSIGN_OR_RETURN(Llm * llm, model.llm());
    const uint64_t draw = micro_batches_++;
    std::vector<std::string> captions;
    for (size_t i = 0; i < batch.samples.size(); ++i) {
      const Sample& s = batch.samples[i];
      if (batch.image_counts[i] != 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "contrastive: sample ", s.key, " (", s.source, ") has ", batch.image_counts[i],
            " image tensors; contrastive pairs need exactly one whole image per sample "
            "(caption or alt-text data, no image_splitting)"));
      }
      VLMLAB_ASSIGN_OR_RETURN(std::string caption, CaptionOf(s, draw));
      captions.push_back(std::move(caption));
    }
    if (captions.size() < 2) {
      return absl::InvalidArgumentError(
          "contrastive: a batch needs at least two pairs (the others are each pair's "
          "negatives); raise batch_size");
    }
    VLMLAB_ASSIGN_OR_RETURN(TextIds text, CaptionIds(model.tokenizer(), captions,
                                                     tower->max_text_len(*llm)));
    VLMLAB_ASSIGN_OR_RETURN(Tensor image_emb,
                            model.ImageEmbeddings(batch.images, batch.image_sizes));  // [N, E]
    VLMLAB_ASSIGN_OR_RETURN(Tensor text_emb, model.TextEmbeddings(text.ids, text.mask));  // [N, E]
    ContrastiveLossResult r;
    if (options_.loss() == ContrastiveOptions::SIGLIP) {
      VLMLAB_ASSIGN_OR_RETURN(r, SigLipLoss(image_emb, text_emb, tower->log_scale(),
                                            tower->bias()));
    } else {
      VLMLAB_ASSIGN_OR_RETURN(r, ClipLoss(image_emb, text_emb, tower->log_scale()));
    }
    StageLoss out;
    out.loss = r.loss;
    out.samples = batch.size();
    out.metrics["contrastive/scale"] = r.scale;
    out.metrics["contrastive/batch_accuracy"] = r.accuracy;
    if (options_.loss() == ContrastiveOptions::SIGLIP) {
      out.metrics["contrastive/bias"] = tower->bias().ToVector()[0];
    }
    // Forward and backward (3 x forward) of the encoder, the image head and the text side.
    const Flops encoder_per_image = ForwardFlopsPerSample(model, 0, 1).encoder;
    std::vector<int32_t> mask = text.mask.ToInts();
    double text_flops = 0;
    const int64_t t = text.mask.size(1);
    for (int64_t i = 0; i < text.mask.size(0); ++i) {
      int64_t real = 0;
      for (int64_t j = 0; j < t; ++j) real += mask[i * t + j] != 0;
      text_flops += tower->TextFlops(real, *llm);
    }
    out.flops = 3 * (batch.size() * (encoder_per_image + tower->ImageHeadFlops()) +
                     text_flops);
    return out;
  }

 private:
  absl::StatusOr<std::string> CaptionOf(const Sample& s, uint64_t draw) const {
    if (!s.captions.empty()) {
      const uint64_t pick = CounterBits(nn::ParameterSeed(seed_, s.key), draw) % s.captions.size();
      return s.captions[pick];
    }
    for (auto it = s.turns.rbegin(); it != s.turns.rend(); ++it) {
      if (it->role == Turn::kAssistant && !it->text.empty()) return it->text;
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "contrastive: sample ", s.key, " (", s.source, ", task '", s.task,
        "') has no caption; contrastive pairs come from caption data (synthetic tasks CAPTION "
        "or ALT_TEXT, COCO captions, WebDataset samples with a caption)"));
  }

  ContrastiveOptions options_;
  uint64_t seed_;
  int64_t micro_batches_ = 0;
};

VLMLAB_REGISTER_PLUGIN(
    Stage, ContrastiveOptions, "contrastive",
    "CLIP or SigLIP image-text contrastive training of the encoder and the text tower",
    [](const ContrastiveOptions& o,
       const BuildContext& ctx) -> absl::StatusOr<std::unique_ptr<Stage>> {
      return std::make_unique<ContrastiveStage>(o, ctx.seed);
    },
    nullptr);

}  // namespace
}  // namespace vlmlab
