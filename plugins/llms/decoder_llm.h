// DecoderLlm: what the decoder-only LLM plugins (llama, gpt2) share as an Llm: building the
// token embedding, the block stack, the final norm and an optional untied head in one order;
// Embed, Logits (tied to the embedding unless a head was built) and NewCache. A subclass
// adds its own positions, options checks and FLOPs.
//
//   class MyLlm : public DecoderLlm {
//    public:
//     MyLlm() : DecoderLlm("my_llm", /*hidden=*/256) {}
//     absl::Status Build(int64_t vocab_size) override {
//       VLMLAB_RETURN_IF_ERROR(BeginBuild(vocab_size, /*option_vocab_size=*/0));  // "embed"
//       // ... RegisterModule("pos_embed", ...) if the model has learned positions
//       return FinishBuild(std::move(blocks), std::move(norm), /*head=*/nullptr);
//     }
//     absl::StatusOr<Tensor> Run(const LlmInputs& in) override { ... blocks() ... norm() ... }
//   };
// Parameter names: embed.weight, then whatever the subclass registers, blocks.N.*, norm.*,
// head.weight (untied only).
#ifndef VLMLAB_PLUGINS_LLMS_DECODER_LLM_H_
#define VLMLAB_PLUGINS_LLMS_DECODER_LLM_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "platform/nn/module.h"
#include "platform/plugin_api/model_plugins.h"

namespace vlmlab::llms {

class DecoderLlm : public Llm {
 public:
  absl::StatusOr<Tensor> Embed(const Tensor& ids) override;  // i32 [B, T] -> [B, T, H]
  absl::StatusOr<Tensor> Logits(const Tensor& hidden) override;  // [..., H] -> [..., V]
  std::unique_ptr<KvCache> NewCache(int64_t batch, int64_t max_len) const override;

 protected:
  // `name` starts every error ("llama: ...").
  DecoderLlm(std::string name, int64_t hidden) : name_(std::move(name)), hidden_(hidden) {}

  // Checks Build's vocabulary (> 0, equal to the options' vocab_size when that is > 0) and
  // that Build runs once, then registers "embed" [vocab_size, hidden].
  absl::Status BeginBuild(int64_t vocab_size, int64_t option_vocab_size);
  // Registers "blocks", "norm" and, when given, the untied "head" (Linear hidden -> vocab).
  absl::Status FinishBuild(std::unique_ptr<nn::ModuleList> blocks, std::unique_ptr<nn::Module> norm,
                           std::unique_ptr<nn::Module> head);

  absl::Status CheckBuilt() const;
  bool built() const { return built_; }
  int64_t vocab() const { return vocab_; }
  nn::ModuleList* blocks() const { return blocks_.As<nn::ModuleList>(); }
  nn::Module& norm() const { return *norm_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  int64_t hidden_;
  bool building_ = false;
  bool built_ = false;
  int64_t vocab_ = 0;
  nn::Submodule embed_, blocks_, norm_, head_;
};

}  // namespace vlmlab::llms

#endif  // VLMLAB_PLUGINS_LLMS_DECODER_LLM_H_
