#include "plugins/encoders/hf_vision_names.h"

#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "platform/base/file_io.h"
#include "platform/base/status_macros.h"
#include "platform/weights/safetensors.h"

namespace vlmlab::encoders {
namespace {

using Json = nlohmann::json;

constexpr char kPatchWeight[] = "embeddings.patch_embedding.weight";

absl::Status ConfigError(absl::string_view source, absl::string_view field,
                         absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": \"", field, "\" ", what));
}

absl::StatusOr<int64_t> PositiveInt(const Json& j, const char* field, absl::string_view source,
                                    std::optional<int64_t> fallback) {
  if (!j.contains(field) || j[field].is_null()) {
    if (fallback.has_value()) return *fallback;
    return ConfigError(source, field,
                       "is missing; a vision config needs hidden_size, num_hidden_layers, "
                       "num_attention_heads, intermediate_size, image_size and patch_size");
  }
  const Json& v = j[field];
  if (!v.is_number_integer() || v.get<int64_t>() <= 0 || v.get<int64_t>() > (1ll << 31) - 1) {
    return ConfigError(source, field, absl::StrCat("must be a positive integer, got ", v.dump()));
  }
  return v.get<int64_t>();
}

// "layers.12.rest" -> (12, "rest").
bool SplitLayer(absl::string_view name, absl::string_view prefix, int64_t* layer,
                absl::string_view* rest) {
  if (!absl::ConsumePrefix(&name, prefix)) return false;
  const size_t dot = name.find('.');
  if (dot == absl::string_view::npos) return false;
  if (!absl::SimpleAtoi(name.substr(0, dot), layer) || *layer < 0) return false;
  *rest = name.substr(dot + 1);
  return true;
}

}  // namespace

absl::StatusOr<VitOptions> VitOptionsFromHfConfig(absl::string_view json_text,
                                                  absl::string_view source) {
  Json root = Json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": not a JSON object"));
  }
  const std::string model_type = root.contains("model_type") && root["model_type"].is_string()
                                     ? root["model_type"].get<std::string>()
                                     : "";
  const Json* j = &root;
  std::string vision_type = model_type;
  if (root.contains("vision_config") && root["vision_config"].is_object()) {
    j = &root["vision_config"];
    if (j->contains("model_type") && (*j)["model_type"].is_string()) {
      vision_type = (*j)["model_type"].get<std::string>();
    }
  }
  const bool clip = absl::StrContains(vision_type, "clip");
  const bool siglip = absl::StrContains(vision_type, "siglip");
  if (!clip && !siglip) {
    return ConfigError(source, "model_type",
                       absl::StrCat("is \"", vision_type,
                                    "\"; only SigLIP and CLIP vision towers are supported "
                                    "(model_type containing \"siglip\" or \"clip\")"));
  }
  VitOptions o;
  VLMLAB_ASSIGN_OR_RETURN(int64_t hidden, PositiveInt(*j, "hidden_size", source, std::nullopt));
  VLMLAB_ASSIGN_OR_RETURN(int64_t layers,
                          PositiveInt(*j, "num_hidden_layers", source, std::nullopt));
  VLMLAB_ASSIGN_OR_RETURN(int64_t heads,
                          PositiveInt(*j, "num_attention_heads", source, std::nullopt));
  VLMLAB_ASSIGN_OR_RETURN(int64_t inter,
                          PositiveInt(*j, "intermediate_size", source, std::nullopt));
  VLMLAB_ASSIGN_OR_RETURN(int64_t image, PositiveInt(*j, "image_size", source, std::nullopt));
  VLMLAB_ASSIGN_OR_RETURN(int64_t patch, PositiveInt(*j, "patch_size", source, std::nullopt));
  VLMLAB_ASSIGN_OR_RETURN(int64_t channels, PositiveInt(*j, "num_channels", source, 3));
  o.set_width(static_cast<int32_t>(hidden));
  o.set_depth(static_cast<int32_t>(layers));
  o.set_heads(static_cast<int32_t>(heads));
  o.set_mlp_ratio(static_cast<float>(static_cast<double>(inter) / static_cast<double>(hidden)));
  if (std::llround(o.mlp_ratio() * o.width()) != inter) {
    return ConfigError(source, "intermediate_size",
                       absl::StrCat(inter, " is not reproducible as mlp_ratio x hidden_size"));
  }
  o.set_image_size(static_cast<int32_t>(image));
  o.set_patch_size(static_cast<int32_t>(patch));
  o.set_channels(static_cast<int32_t>(channels));
  double eps = clip ? 1e-5 : 1e-6;
  if (j->contains("layer_norm_eps")) {
    if (!(*j)["layer_norm_eps"].is_number() || !((*j)["layer_norm_eps"].get<double>() > 0)) {
      return ConfigError(source, "layer_norm_eps", "must be a positive number");
    }
    eps = (*j)["layer_norm_eps"].get<double>();
  }
  o.set_layer_norm_eps(static_cast<float>(eps));
  std::string act = clip ? "quick_gelu" : "gelu_pytorch_tanh";
  if (j->contains("hidden_act")) {
    if (!(*j)["hidden_act"].is_string())
      return ConfigError(source, "hidden_act", "must be a string");
    act = (*j)["hidden_act"].get<std::string>();
  }
  if (act == "gelu_pytorch_tanh" || act == "gelu_new" || act == "gelu_fast") {
    o.set_activation(VitOptions::GELU_TANH);
  } else if (act == "gelu") {
    o.set_activation(VitOptions::GELU_ERF);
  } else if (act == "quick_gelu") {
    o.set_activation(VitOptions::QUICK_GELU);
  } else {
    return ConfigError(
        source, "hidden_act",
        absl::StrCat("is \"", act, "\"; supported: gelu_pytorch_tanh, gelu, quick_gelu"));
  }
  o.set_cls_token(clip);
  o.set_pre_norm(clip);
  o.set_post_norm(true);
  o.set_output_layer(-1);
  o.set_position_embedding(VitOptions::LEARNED);
  return o;
}

absl::StatusOr<VitOptions> ReadHfVisionConfig(const std::string& path) {
  VLMLAB_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path, 64 << 20));
  return VitOptionsFromHfConfig(text, path);
}

std::string VitNameForHf(absl::string_view name) {
  static const auto* fixed = new std::map<std::string, std::string>{
      {"embeddings.patch_embedding.weight", "patch_embed.weight"},
      {"embeddings.patch_embedding.bias", "patch_embed.bias"},
      {"embeddings.class_embedding", "cls_token"},
      {"embeddings.position_embedding.weight", "pos_embed"},
      {"pre_layrnorm.weight", "pre_norm.weight"},
      {"pre_layrnorm.bias", "pre_norm.bias"},
      {"post_layernorm.weight", "post_norm.weight"},
      {"post_layernorm.bias", "post_norm.bias"},
  };
  static const auto* in_layer = new std::map<std::string, std::string>{
      {"layer_norm1", "norm1"},
      {"layer_norm2", "norm2"},
      {"self_attn.q_proj", "attn.q"},
      {"self_attn.k_proj", "attn.k"},
      {"self_attn.v_proj", "attn.v"},
      {"self_attn.out_proj", "attn.o"},
      {"mlp.fc1", "fc1"},
      {"mlp.fc2", "fc2"},
  };
  auto it = fixed->find(std::string(name));
  if (it != fixed->end()) return it->second;
  int64_t layer;
  absl::string_view rest;
  if (!SplitLayer(name, "encoder.layers.", &layer, &rest)) return "";
  for (const char* param : {".weight", ".bias"}) {
    absl::string_view module = rest;
    if (!absl::ConsumeSuffix(&module, param)) continue;
    auto m = in_layer->find(std::string(module));
    if (m == in_layer->end()) return "";
    return absl::StrCat("blocks.", layer, ".", m->second, param);
  }
  return "";
}

absl::StatusOr<HfVisionTower> HfVisionToVit(const nn::TensorMap& hf) {
  std::vector<std::string> prefixes;
  for (const auto& [name, t] : hf) {
    if (absl::EndsWith(name, kPatchWeight)) {
      prefixes.push_back(name.substr(0, name.size() - std::strlen(kPatchWeight)));
    }
  }
  if (prefixes.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("Hugging Face vision tower: ",
                     prefixes.empty() ? std::string("no tensor named *")
                                      : absl::StrCat(prefixes.size(), " tensors named *"),
                     kPatchWeight,
                     prefixes.empty() ? "; is this a SigLIP or CLIP checkpoint?"
                                      : absl::StrCat(" (prefixes ", absl::StrJoin(prefixes, ", "),
                                                     "); pass one tower's tensors")));
  }
  const std::string& prefix = prefixes.front();
  HfVisionTower tower;
  for (const auto& [name, t] : hf) {
    absl::string_view rel = name;
    std::string ours;
    if (absl::ConsumePrefix(&rel, prefix)) ours = VitNameForHf(rel);
    if (ours.empty()) {
      tower.unused.push_back(name);
    } else {
      tower.state[ours] = t;
    }
  }
  if (!tower.state.count("patch_embed.bias")) {
    const Tensor& w = tower.state.at("patch_embed.weight");
    tower.state["patch_embed.bias"] = Tensor::Zeros({w.dim() > 0 ? w.size(0) : 1});
    tower.notes.push_back(
        absl::StrCat(prefix,
                     "embeddings.patch_embedding.bias is absent (CLIP): patch_embed.bias "
                     "is zeros"));
  }
  return tower;
}

absl::StatusOr<HfVisionTower> HfVisionForModule(const nn::TensorMap& hf, const nn::Module& vit) {
  VLMLAB_ASSIGN_OR_RETURN(HfVisionTower tower, HfVisionToVit(hf));
  const nn::TensorMap model = vit.StateDict();
  int64_t blocks = 0;
  while (model.count(absl::StrCat("blocks.", blocks, ".norm1.weight"))) ++blocks;
  const bool has_post_norm = model.count("post_norm.weight") > 0;
  nn::TensorMap load;
  for (auto& [name, t] : tower.state) {
    int64_t layer;
    absl::string_view rest;
    const bool skipped_block = SplitLayer(name, "blocks.", &layer, &rest) && layer >= blocks;
    const bool skipped_norm = absl::StartsWith(name, "post_norm.") && !has_post_norm;
    if (skipped_block || skipped_norm) {
      tower.unused.push_back(absl::StrCat(
          name, " (not built: ", skipped_block ? "after output_layer" : "post_norm off", ")"));
    } else {
      load[name] = t;
    }
  }
  tower.state = std::move(load);
  return tower;
}

absl::StatusOr<HfVisionTower> LoadHfVisionTower(const nn::TensorMap& hf, nn::Module& vit) {
  VLMLAB_ASSIGN_OR_RETURN(HfVisionTower tower, HfVisionForModule(hf, vit));
  absl::Status s = vit.LoadStateDict(tower.state, /*strict=*/true);
  if (!s.ok()) {
    return absl::Status(
        s.code(), absl::StrCat("loading a Hugging Face vision tower into vit: ", s.message(),
                               " (check image_size, patch_size, width, cls_token, pre_norm "
                               "against the checkpoint's config; VitOptionsFromHfConfig reads "
                               "them)"));
  }
  return tower;
}

absl::StatusOr<HfVisionTower> LoadHfVisionTower(const std::string& safetensors_path,
                                                nn::Module& vit) {
  VLMLAB_ASSIGN_OR_RETURN(weights::SafetensorsFile file,
                          weights::ReadSafetensors(safetensors_path));
  absl::StatusOr<HfVisionTower> tower = LoadHfVisionTower(file.tensors, vit);
  if (!tower.ok()) {
    return absl::Status(tower.status().code(),
                        absl::StrCat(safetensors_path, ": ", tower.status().message()));
  }
  for (std::string& note : file.notes) tower->notes.push_back(std::move(note));
  return tower;
}

}  // namespace vlmlab::encoders
