#include "platform/model/testing/tiny_models.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/nn/embedding_layer.h"
#include "platform/nn/linear.h"
#include "platform/nn/norm_layers.h"
#include "platform/nn/transformer_block.h"
#include "platform/ops/vision_ops.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/encoders.pb.h"
#include "platform/spec/llms.pb.h"
#include "platform/spec/projectors.pb.h"

namespace vlmlab::model_testing {

LlmShape TinyLlm::Shape() const {
  return LlmShape{config_.hidden, config_.layers,     config_.heads,
                  config_.heads,  config_.vocab_size, config_.max_seq_len};
}

absl::Status TinyLlm::Build(int64_t vocab_size) {
  vocab_ = config_.vocab_size > 0 ? config_.vocab_size : vocab_size;
  embed_ = RegisterModule("embed", std::make_unique<nn::Embedding>(vocab_, config_.hidden));
  auto blocks = std::make_unique<nn::ModuleList>();
  for (int64_t l = 0; l < config_.layers; ++l) {
    nn::BlockConfig c;
    c.dim = config_.hidden;
    c.heads = config_.heads;
    c.mlp_hidden = 2 * config_.hidden;
    c.style = nn::BlockStyle::kRmsNormSwiGlu;
    c.rope_theta = 10000;
    c.bias = false;
    blocks->Append(std::make_unique<nn::TransformerBlock>(c));
  }
  blocks_ = RegisterModule("blocks", std::move(blocks));
  norm_ = RegisterModule("norm", std::make_unique<nn::RmsNorm>(config_.hidden));
  head_ = RegisterModule("head", std::make_unique<nn::Linear>(config_.hidden, vocab_, false));
  return absl::OkStatus();
}

absl::StatusOr<Tensor> TinyLlm::Embed(const Tensor& ids) { return embed_->Forward(ids); }

absl::StatusOr<Tensor> TinyLlm::Run(const LlmInputs& inputs) {
  if (inputs.cache != nullptr) return absl::UnimplementedError("TinyLlm has no KV cache");
  Tensor h = inputs.embeddings;  // [B, T, H]
  auto* blocks = blocks_.As<nn::ModuleList>();
  for (int64_t l = 0; l < config_.layers; ++l) {
    if (inputs.hook != nullptr && *inputs.hook) {
      VLMLAB_ASSIGN_OR_RETURN(h, (*inputs.hook)(static_cast<int>(l), h, inputs.positions));
    }
    nn::AttentionInputs a;
    a.causal = true;
    a.positions = inputs.positions;
    a.key_padding_mask = inputs.key_padding_mask;
    a.segment_ids = inputs.segment_ids;
    auto* block = (*blocks)[l].As<nn::TransformerBlock>();
    VLMLAB_ASSIGN_OR_RETURN(h, block->Run(h, a));
  }
  return norm_->Forward(h);
}

absl::StatusOr<Tensor> TinyLlm::Logits(const Tensor& hidden) { return head_->Forward(hidden); }

Flops TinyLlm::ForwardFlops(int64_t tokens) const {
  const double h = static_cast<double>(config_.hidden);
  const double per_layer = 4 * h * h + 3 * h * 2 * h;  // q, k, v, o + SwiGLU
  const double head = h * static_cast<double>(vocab_ > 0 ? vocab_ : config_.vocab_size);
  const double t = static_cast<double>(tokens);
  return 2 * t * (config_.layers * per_layer + head) + 4.0 * config_.layers * t * t * h;
}

VisualShape TinyEncoder::OutputShape() const {
  const int64_t g = image_size_ / patch_;
  return VisualShape{g * g, width_, g, g, false};
}

absl::Status TinyEncoder::Build() {
  patch_embed_ =
      RegisterModule("patch", std::make_unique<nn::Linear>(channels_ * patch_ * patch_, width_));
  return absl::OkStatus();
}

absl::StatusOr<EncodedImages> TinyEncoder::Encode(const ImageBatch& images) {
  VLMLAB_ASSIGN_OR_RETURN(Tensor p, ops::ImageToPatches(images.pixels, patch_));  // [N, P, Cpp]
  EncodedImages out;
  VLMLAB_ASSIGN_OR_RETURN(out.tokens, patch_embed_->Forward(p));  // [N, P, width]
  out.grid_h = out.grid_w = image_size_ / patch_;
  return out;
}

Flops TinyEncoder::ForwardFlops() const {
  VisualShape s = OutputShape();
  return 2.0 * s.tokens * channels_ * patch_ * patch_ * width_;
}

absl::StatusOr<VisualShape> TinyProjector::OutputShape(const VisualShape& in,
                                                       const LlmShape& llm) const {
  VisualShape out = in;
  out.dim = llm.hidden;
  return out;
}

absl::Status TinyProjector::Build(const VisualShape& in, const LlmShape& llm) {
  proj_ = RegisterModule("proj", std::make_unique<nn::Linear>(in.dim, llm.hidden));
  return absl::OkStatus();
}

absl::StatusOr<Tensor> TinyProjector::Project(const EncodedImages& in) {
  return proj_->Forward(in.tokens);
}

Flops TinyProjector::ForwardFlops(const VisualShape& in, const LlmShape& llm) const {
  return 2.0 * in.tokens * in.dim * llm.hidden;
}

namespace {

template <typename Interface>
void CopyAll(const PluginRegistries& from, PluginRegistries& to) {
  auto& source = const_cast<PluginRegistries&>(from).Get<Interface>();
  for (const PluginEntryBase* e : source.Entries()) {
    if (to.Get<Interface>().Find(e->name) != nullptr) continue;
    CHECK(to.Get<Interface>().Add(*static_cast<const PluginEntry<Interface>*>(e)).ok());
  }
}

}  // namespace

void RegisterTinyPlugins(PluginRegistries& registries) {
  CHECK((AddPlugin<Encoder, VitOptions>(
             registries, "vit", "test double: patches and a linear layer",
             [](const VitOptions& o,
                const BuildContext&) -> absl::StatusOr<std::unique_ptr<Encoder>> {
               return std::make_unique<TinyEncoder>(o.image_size(), o.patch_size(), o.channels(),
                                                    o.width());
             }))
            .ok());
  CHECK((AddPlugin<Projector, LinearProjectorOptions>(
             registries, "linear", "test double: one linear layer",
             [](const LinearProjectorOptions&,
                const BuildContext&) -> absl::StatusOr<std::unique_ptr<Projector>> {
               return std::make_unique<TinyProjector>();
             }))
            .ok());
  CHECK(
      (AddPlugin<Llm, LlamaOptions>(
           registries, "llama", "test double: a small Llama-style LM without KV cache",
           [](const LlamaOptions& o, const BuildContext&) -> absl::StatusOr<std::unique_ptr<Llm>> {
             TinyLlmConfig c;
             c.vocab_size = o.vocab_size();
             c.hidden = o.hidden();
             c.layers = o.layers();
             c.heads = o.heads();
             c.max_seq_len = o.max_seq_len();
             return std::make_unique<TinyLlm>(c);
           }))
          .ok());
  CopyAll<Fusion>(GlobalRegistries(), registries);
  CopyAll<Tokenizer>(GlobalRegistries(), registries);
}

}  // namespace vlmlab::model_testing
