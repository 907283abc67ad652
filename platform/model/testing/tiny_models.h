// Small stand-in model plugins for tests of fusion, the VLM assembly and trainability: a patch
// encoder, a linear projector and a Llama-style LLM (embedding, RMSNorm/SwiGLU/RoPE blocks,
// final norm, untied head). They follow the plugin contract (platform/plugin_api/
// model_plugins.h) closely enough to assemble a real VlmModel, with parameter names
// "patch.*", "proj.*", "embed.weight", "blocks.N.*", "norm.weight", "head.weight".
//
//   PluginRegistries regs;
//   RegisterTinyPlugins(regs);   // "vit", "linear", "llama" doubles + the real fusion/tokenizers
//   TinyLlm llm(TinyLlmConfig{.hidden = 16, .layers = 2, .heads = 2});
//   llm.Build(/*vocab=*/32);  llm.Initialize(1);
#ifndef VLMLAB_PLATFORM_MODEL_TESTING_TINY_MODELS_H_
#define VLMLAB_PLATFORM_MODEL_TESTING_TINY_MODELS_H_

#include <cstdint>
#include <memory>

#include "platform/plugin_api/model_plugins.h"
#include "platform/plugin_api/registry.h"

namespace vlmlab::model_testing {

struct TinyLlmConfig {
  int64_t vocab_size = 0;  // 0: Build's argument
  int64_t hidden = 16;
  int64_t layers = 2;
  int64_t heads = 2;
  int64_t max_seq_len = 64;
};

class TinyLlm : public Llm {
 public:
  explicit TinyLlm(const TinyLlmConfig& config) : config_(config) {}
  const char* type_name() const override { return "TinyLlm"; }
  LlmShape Shape() const override;
  absl::Status Build(int64_t vocab_size) override;
  absl::StatusOr<Tensor> Embed(const Tensor& ids) override;
  // No KV cache: `cache` must be null.
  absl::StatusOr<Tensor> Run(const LlmInputs& inputs) override;
  absl::StatusOr<Tensor> Logits(const Tensor& hidden) override;
  std::unique_ptr<KvCache> NewCache(int64_t, int64_t) const override { return nullptr; }
  // 2 * (non-embedding parameters) per token plus 4 * layers * T^2 * hidden for attention.
  Flops ForwardFlops(int64_t tokens) const override;

 private:
  TinyLlmConfig config_;
  int64_t vocab_ = 0;
  nn::Submodule embed_, blocks_, norm_, head_;
};

// Patches of `patch` pixels -> Linear to `width`: [N, C, S, S] -> [N, (S/p)^2, width].
class TinyEncoder : public Encoder {
 public:
  TinyEncoder(int64_t image_size, int64_t patch, int64_t channels, int64_t width)
      : image_size_(image_size), patch_(patch), channels_(channels), width_(width) {}
  const char* type_name() const override { return "TinyEncoder"; }
  VisualShape OutputShape() const override;
  absl::Status Build() override;
  absl::StatusOr<EncodedImages> Encode(const ImageBatch& images) override;
  Flops ForwardFlops() const override;

 private:
  int64_t image_size_, patch_, channels_, width_;
  nn::Submodule patch_embed_;
};

// One Linear from the encoder width to the LLM hidden size ("proj").
class TinyProjector : public Projector {
 public:
  const char* type_name() const override { return "TinyProjector"; }
  absl::StatusOr<VisualShape> OutputShape(const VisualShape& in,
                                          const LlmShape& llm) const override;
  absl::Status Build(const VisualShape& in, const LlmShape& llm) override;
  absl::StatusOr<Tensor> Project(const EncodedImages& in) override;
  Flops ForwardFlops(const VisualShape& in, const LlmShape& llm) const override;

 private:
  nn::Submodule proj_;
};

// Registers into `registries`: encoder "vit" (TinyEncoder from VitOptions image_size,
// patch_size, channels, width), projector "linear" (TinyProjector), llm "llama" (TinyLlm from
// LlamaOptions hidden, layers, heads, vocab_size, max_seq_len), plus copies of the fusion and
// tokenizer entries of GlobalRegistries() (the real plugins, when the test links them).
void RegisterTinyPlugins(PluginRegistries& registries);

}  // namespace vlmlab::model_testing

#endif  // VLMLAB_PLATFORM_MODEL_TESTING_TINY_MODELS_H_
