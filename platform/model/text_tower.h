// TextTower: the part of a model that embeds captions and images into one space for
// contrastive pre-training (plugins/stages/contrastive_stage.cc) and zero-shot evaluation
// (plugins/evaluators/zero_shot_evaluator.cc). Built by BuildVlm from `model.text_tower` and
// registered as the model's child "text_tower", so its weights are trained, checkpointed and
// resumed with the rest.
//
//   VLMLAB_ASSIGN_OR_RETURN(TextTower * tower, model.text_tower());
//   TextIds t = CaptionIds(model.tokenizer(), {"a red circle", "two stars"}, max_len);
//   VLMLAB_ASSIGN_OR_RETURN(Tensor txt, model.TextEmbeddings(t.ids, t.mask));  // [B, E], unit rows
//   VLMLAB_ASSIGN_OR_RETURN(Tensor img, model.ImageEmbeddings(pixels));        // [N, E], unit rows
//   // tower->log_scale(), tower->bias(): the losses' learnable temperature and bias, f32 [1]
//
// Text: [BOS] caption [EOS], right-padded; the text transformer (its own LLM plugin, child
// "text", or the model's LLM) runs causally and the hidden state at each row's last real token
// (the EOS) is projected without bias by "text_projection" [E, H_text]. Images: the encoder's
// tokens pooled (the CLS token when the encoder has one, else the mean of the real tokens),
// layer-normed ("image_norm") and projected without bias by "image_projection" [E, D_enc].
// Both embeddings are L2-normalised. log_scale and bias start at log(1/0.07) and 0 (CLIP's
// initialisation); the contrastive stage resets them to its loss's values when it starts.
#ifndef VLMLAB_PLATFORM_MODEL_TEXT_TOWER_H_
#define VLMLAB_PLATFORM_MODEL_TEXT_TOWER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/nn/module.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/plugin_api/tokenizer.h"

namespace vlmlab {

// Captions as the tower reads them: i32 [B, T] ids ([BOS] text [EOS], right-padded with the
// pad id) and mask (1 = real token). A caption longer than max_len - 2 tokens is cut; its EOS
// stays.
struct TextIds {
  Tensor ids;
  Tensor mask;
};
absl::StatusOr<TextIds> CaptionIds(const Tokenizer& tokenizer,
                                   const std::vector<std::string>& captions, int64_t max_len);

class TextTower : public nn::Module {
 public:
  // `own_text`: the separate transformer, already built (nullptr: the model's LLM is used).
  TextTower(std::unique_ptr<Llm> own_text, int64_t text_width, int64_t image_width,
            int64_t embed_dim);
  const char* type_name() const override { return "TextTower"; }
  void ResetParameters(const nn::ParamInit& init) override;

  bool has_own_text() const { return has_own_text_; }
  // The separate text transformer; nullptr with model_llm.
  Llm* own_text() const { return has_own_text_ ? text_.As<Llm>() : nullptr; }
  int64_t embed_dim() const { return embed_dim_; }
  // The longest caption sequence, [BOS] and [EOS] included.
  int64_t max_text_len(const Llm& model_llm) const;
  // ids, mask i32 [B, T] -> [B, E] unit rows. `model_llm` is used when has_own_text() is false.
  absl::StatusOr<Tensor> EmbedText(const Tensor& ids, const Tensor& mask, Llm& model_llm);
  // The encoder's output -> [N, E] unit rows.
  absl::StatusOr<Tensor> EmbedImages(const EncodedImages& encoded);
  Tensor log_scale() const { return *log_scale_; }  // f32 [1]
  Tensor bias() const { return *bias_; }            // f32 [1]
  // Forward cost of the text side for one caption of `tokens` tokens, and of the image
  // pooling and projection per image (the encoder's own cost not included).
  double TextFlops(int64_t tokens, const Llm& model_llm) const;
  double ImageHeadFlops() const;

 private:
  // The transformer that reads captions: the own one, else `model_llm`.
  const Llm& Reader(const Llm& model_llm) const;

  bool has_own_text_;
  int64_t text_width_, image_width_, embed_dim_;
  nn::Submodule text_, text_projection_, image_norm_, image_projection_;
  nn::ParamRef log_scale_, bias_;
};

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_MODEL_TEXT_TOWER_H_
