// VlmModel: a vision-language model assembled from an experiment's `model` section (encoder,
// projector, fusion, LLM plugins and a tokenizer), with the forward passes training and
// evaluation need: logits, the language-modelling loss, per-sample log-probabilities (MCQ
// scoring, DPO) and generation.
//
//   absl::StatusOr<std::unique_ptr<VlmModel>> m = BuildVlm(exp.model(), GlobalRegistries(), 0);
//   ModelInputs in;
//   in.input_ids = ids;          // i32 [B, T], image placeholders as (*m)->layout() says
//   in.labels = labels;          // i32 [B, T], labels[t] = target at position t, -1 = none
//   in.key_padding_mask = mask;  // i32 [B, T], 1 = real token (undefined = all real)
//   in.images = pixels;          // f32 [N, C, H, W], every sample's images in order
//   absl::StatusOr<Tensor> loss = (*m)->Loss(in);   // f32 [], mean over labelled tokens
//   // packed rows: in.segment_ids = batch.segment_ids (i32 [B, T], the sample of each token)
//
// Assembly (BuildVlm): the plugins are created from their slots (an unset tokenizer is
// `byte {}`), checked to fit exactly as `vlmlab validate` does (platform/spec/model_summary.h),
// built in the order encoder, LLM (with the resolved vocabulary), projector (encoder output and
// LLM shape), fusion (projected visual shape and LLM shape), registered as the children
// "encoder", "projector", "fusion", "llm" (so parameter names start with those), and
// initialised with Initialize(seed): every parameter's value depends only on (seed, its name).
//
// Forward: images -> encoder -> projector -> visual [N, V, H]; fusion merges them with the
// embedded ids (and may return a layer hook); the LLM runs with positions counted over the
// real tokens (position of token t = number of real tokens before it, so left and right
// padding both give each sample 0, 1, 2, ...); logits [B, T, vocab].
//
// Packing: with segment_ids a row holds several samples; attention is block-diagonal causal
// (a token sees only the earlier tokens of its own sample), positions restart at 0 in each
// sample, and fusion gives each sample its own images, so every token's logits are those of
// the sample padded alone. Loss and Logits accept packed rows; SequenceLogProbs (sums per row)
// and Generate refuse them.
#ifndef VLMLAB_PLATFORM_MODEL_VLM_MODEL_H_
#define VLMLAB_PLATFORM_MODEL_VLM_MODEL_H_

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/model/generate.h"
#include "platform/model/text_tower.h"
#include "platform/nn/module.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/plugin_api/registry.h"
#include "platform/plugin_api/tokenizer.h"
#include "platform/spec/experiment.pb.h"
#include "platform/spec/model_summary.h"

namespace vlmlab {

struct ModelInputs {
  Tensor input_ids;         // i32 [B, T]
  Tensor labels;            // i32 [B, T]; -1 = no target at this position
  Tensor key_padding_mask;  // i32 [B, T], nonzero = real token; undefined = all real
  Tensor images;            // f32 [N, C, H, W]; undefined = no images
  // Packed rows (data::Batch::packed): i32 [B, T], the sample each token belongs to; a token
  // attends only to its own sample's tokens (and images). Undefined = one sample per row.
  Tensor segment_ids;
  // i32 [B, T]: position of each token within its sample; undefined = PositionsFromMask.
  Tensor positions;
  // Rows of `images` per image (data::Batch::image_crops): a split image's tiles and global
  // view belong together. Empty = each row is a whole image.
  std::vector<int64_t> image_crops;
  // (H, W) of each row of `images` before zero-padding (data::Batch::image_sizes); empty = all
  // fill [H, W]. The encoder masks the padding of smaller images.
  std::vector<std::array<int64_t, 2>> image_sizes;
};

// How images are prepared for the model in the current stage (StageSpec image_size and
// image_splitting): training sets it per stage (VlmModel::SetImageSettings), and evaluation
// uses the setting of the stage whose weights it evaluates (the final stage after a run).
struct ImageSettings {
  int image_size = 0;          // 0 = the encoder's resolution
  int max_tiles_per_side = 0;  // > 0: image splitting into at most this many tiles per side
};
ImageSettings StageImageSettings(const StageSpec& stage);

class VlmModel : public nn::Module {
 public:
  const char* type_name() const override { return "VlmModel"; }

  // Projected visual tokens of a batch of images: f32 [N, V, hidden]; undefined when
  // `images` is undefined or has no image. `sizes`: ModelInputs::image_sizes.
  absl::StatusOr<Tensor> VisualTokens(const Tensor& images,
                                      const std::vector<std::array<int64_t, 2>>& sizes = {});
  // f32 [B, T, vocab].
  absl::StatusOr<Tensor> Logits(const ModelInputs& inputs);
  // Mean cross-entropy over the positions with a label (0 when there are none).
  absl::StatusOr<Tensor> Loss(const ModelInputs& inputs);
  // f32 [B]: sum over each sample's labelled positions of log p(label).
  absl::StatusOr<Tensor> SequenceLogProbs(const ModelInputs& inputs);
  // Continues left-padded prompts (labels unused); see platform/model/generate.h. Runs without
  // gradients and in eval mode (restored after). The fusion's layer hook follows the decode
  // steps; beam search (num_beams > 1) is not supported with cross_attention fusion, whose
  // hook cannot tell which sample a beam row belongs to.
  absl::StatusOr<std::vector<GeneratedSequence>> Generate(const ModelInputs& prompts,
                                                          const GenerationOptions& options);

  // How the data pipeline must lay out an image's placeholder tokens.
  ImageLayout layout() const { return layout_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  // Plugin names and shapes (visual tokens per image, LLM shape with the resolved vocabulary).
  const ModelSummary& summary() const { return summary_; }
  const ImageSettings& image_settings() const { return image_settings_; }
  // Prepares the model for images as `settings` says: a resolution other than the encoder's
  // configured one goes to Encoder::SetImageSize (rising resolution), and summary() and
  // layout() then describe the visual tokens at that size. Errors name the part that cannot
  // take it (an encoder with a fixed size, a pixel-shuffle factor that does not divide the new
  // grid, visual tokens that no longer fit the LLM context); the model is then unchanged.
  absl::Status SetImageSettings(const ImageSettings& settings);
  int32_t image_token_id() const { return image_token_id_; }

  // The plugins. Fail (FailedPrecondition) if a child was replaced by another type.
  absl::StatusOr<Encoder*> encoder() const;
  absl::StatusOr<Projector*> projector() const;
  absl::StatusOr<Fusion*> fusion() const;
  absl::StatusOr<Llm*> llm() const;
  // model.text_tower (platform/model/text_tower.h); an error saying how to add one when the
  // spec has none.
  absl::StatusOr<TextTower*> text_tower() const;
  // Through the text tower: f32 [N, E] unit rows for images (the encoder, then the tower's
  // image pooling) and f32 [B, E] for captions (TextIds from CaptionIds).
  absl::StatusOr<Tensor> ImageEmbeddings(const Tensor& images,
                                         const std::vector<std::array<int64_t, 2>>& sizes = {});
  absl::StatusOr<Tensor> TextEmbeddings(const Tensor& ids, const Tensor& mask);

  // The training-only module of the current stage (Stage::BuildHead, e.g. a masked-image-
  // modelling decoder), the child "stage_head": trained and checkpointed with the model during
  // its stage and replaced at the next (nullptr: none). Evaluation never uses it.
  void SetStageHead(std::unique_ptr<nn::Module> head);
  nn::Module* stage_head() const { return FindModule("stage_head"); }

 private:
  friend absl::StatusOr<std::unique_ptr<VlmModel>> BuildVlm(const Model&, const PluginRegistries&,
                                                            uint64_t);
  VlmModel() = default;
  // Fused embeddings and hook for ids + images; positions from the mask.
  absl::StatusOr<FusedSequence> FuseInputs(const ModelInputs& inputs);
  absl::StatusOr<Tensor> Hidden(const ModelInputs& inputs, const FusedSequence& fused);
  absl::Status CheckInputs(const ModelInputs& inputs, bool need_labels) const;

  std::unique_ptr<Tokenizer> tokenizer_;
  ModelSummary summary_;
  ImageLayout layout_;
  ImageSettings image_settings_;
  int64_t configured_image_size_ = 0;  // the encoder's own, from its spec
  int32_t image_token_id_ = -1;
  nn::Submodule encoder_, projector_, fusion_, llm_, text_tower_;
};

// Parameter names of the stage head start with this; a checkpoint's tensors without them fit a
// model built for evaluation.
inline constexpr char kStageHeadPrefix[] = "stage_head.";
nn::TensorMap WithoutStageHead(const nn::TensorMap& tensors);

// Errors name the part of `spec` at fault ("model.projector: ...").
absl::StatusOr<std::unique_ptr<VlmModel>> BuildVlm(const Model& spec,
                                                   const PluginRegistries& registries,
                                                   uint64_t seed);

// i32 [B, T]: position of each token counted over the real tokens before it (0 for padding
// before the first real token); arange(T) per row when `mask` is undefined. With
// `segment_ids` (packed rows) only the real tokens of the same segment count, so positions
// restart at 0 in each sample.
Tensor PositionsFromMask(const Tensor& mask, int64_t batch, int64_t tokens,
                         const Tensor& segment_ids = Tensor());

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_MODEL_VLM_MODEL_H_
