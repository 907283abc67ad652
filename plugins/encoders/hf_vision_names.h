// Loading Hugging Face SigLIP and CLIP vision towers into the `vit` encoder: config.json to
// VitOptions, and tensor names to vit's parameter names.
//
//   VLMLAB_ASSIGN_OR_RETURN(VitOptions o, encoders::ReadHfVisionConfig(dir + "/config.json"));
//   o.set_output_layer(-2);   // optional: choose the features (LLaVA: -2 and post_norm off)
//   std::unique_ptr<Encoder> vit = ...registry "vit" with o...;
//   VLMLAB_RETURN_IF_ERROR(vit->Build());
//   VLMLAB_RETURN_IF_ERROR(encoders::LoadHfVisionTower(safetensors_path, *vit).status());
//   // Inside a model, load before wrapping (LoRA), or prefix every name with "encoder." and
//   // load through the model's LoadStateDict.
//
// Names, after the tower's prefix (`vision_model.`, `model.vision_model.`,
// `vision_tower.vision_model.`, ...: whatever precedes `embeddings.patch_embedding.weight`):
//   embeddings.patch_embedding.weight [D, C, p, p]  -> patch_embed.weight   (same layout)
//   embeddings.patch_embedding.bias                 -> patch_embed.bias     (CLIP has none:
//                                                      zeros, which is the same function)
//   embeddings.class_embedding [D]                  -> cls_token            (CLIP)
//   embeddings.position_embedding.weight [cls+G, D] -> pos_embed            (CLIP: row 0 = CLS)
//   pre_layrnorm.{weight,bias}                      -> pre_norm.*           (CLIP)
//   encoder.layers.N.layer_norm1.*                  -> blocks.N.norm1.*
//   encoder.layers.N.self_attn.{q,k,v}_proj.*       -> blocks.N.attn.{q,k,v}.*
//   encoder.layers.N.self_attn.out_proj.*           -> blocks.N.attn.o.*
//   encoder.layers.N.layer_norm2.*                  -> blocks.N.norm2.*
//   encoder.layers.N.mlp.fc1.*, mlp.fc2.*           -> blocks.N.fc1.*, blocks.N.fc2.*
//   post_layernorm.*                                -> post_norm.*
// Linear weights are [out, in] in both (nn::Linear's layout), so values are used as they are.
// Unmapped names (text tower, SigLIP's attention-pooling `head`, `position_ids` buffers,
// projections) are reported in `unused`, not errors.
#ifndef VLMLAB_PLUGINS_ENCODERS_HF_VISION_NAMES_H_
#define VLMLAB_PLUGINS_ENCODERS_HF_VISION_NAMES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "platform/nn/module.h"
#include "platform/spec/encoders.pb.h"

namespace vlmlab::encoders {

// A vision config (SiglipVisionConfig, CLIPVisionConfig) or a full model config holding one
// under "vision_config" (SiglipConfig, CLIPConfig, LLaVA, Idefics) to VitOptions:
//   hidden_size -> width, num_hidden_layers -> depth, num_attention_heads -> heads,
//   intermediate_size / hidden_size -> mlp_ratio, image_size, patch_size,
//   num_channels -> channels, layer_norm_eps, hidden_act (gelu_pytorch_tanh -> GELU_TANH,
//   gelu -> GELU_ERF, quick_gelu -> QUICK_GELU).
// CLIP (model_type clip* or a projection_dim without siglip): cls_token and pre_norm on;
// SigLIP: neither. Both keep post_norm on and output_layer -1 (the tower's last_hidden_state).
// `source` names the file in errors.
absl::StatusOr<VitOptions> VitOptionsFromHfConfig(absl::string_view json_text,
                                                  absl::string_view source = "config.json");
absl::StatusOr<VitOptions> ReadHfVisionConfig(const std::string& path);

struct HfVisionTower {
  nn::TensorMap state;              // vit names -> tensors (sharing the input's storage)
  std::vector<std::string> unused;  // Hugging Face names that map to nothing
  std::vector<std::string> notes;   // e.g. "patch_embed.bias: absent (CLIP); zeros"
};

// The vit parameter name of one Hugging Face name relative to the tower prefix, or "" when it
// maps to nothing.
std::string VitNameForHf(absl::string_view name);

// Maps a whole checkpoint. Errors: no tower (no `embeddings.patch_embedding.weight`), or
// several.
absl::StatusOr<HfVisionTower> HfVisionToVit(const nn::TensorMap& hf);

// Maps `hf` to the names of `vit` (a built vit encoder, or any module with its names), leaving
// out (in `unused`) blocks past the encoder's output_layer and post_layernorm with post_norm
// off; nothing is loaded.
absl::StatusOr<HfVisionTower> HfVisionForModule(const nn::TensorMap& hf, const nn::Module& vit);

// Maps `hf` and loads it into `vit` (a built vit encoder, or any module with its names):
// blocks past the encoder's output_layer and post_layernorm with post_norm off are skipped
// (listed in the returned tower's `unused`); anything else must match: a parameter missing
// from the checkpoint, a checkpoint tensor the encoder lacks (e.g. pre_layrnorm without
// pre_norm) and shape differences (image_size / patch_size / width) are errors naming them.
absl::StatusOr<HfVisionTower> LoadHfVisionTower(const nn::TensorMap& hf, nn::Module& vit);
// The same from a safetensors file.
absl::StatusOr<HfVisionTower> LoadHfVisionTower(const std::string& safetensors_path,
                                                nn::Module& vit);

}  // namespace vlmlab::encoders

#endif  // VLMLAB_PLUGINS_ENCODERS_HF_VISION_NAMES_H_
