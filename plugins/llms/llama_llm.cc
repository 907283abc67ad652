// `llama`: a Llama-family backbone (RMSNorm, RoPE, SwiGLU, grouped-query attention).
// Registers options, validation and shape; the forward pass arrives with the model issue.
#include <memory>

#include "absl/strings/str_cat.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/llms.pb.h"

namespace vlmlab {
namespace {

class LlamaLlm : public Llm {
 public:
  // TODO(model plugins): forward pass being written.
  absl::Status Build(int64_t) override { return absl::OkStatus(); }
  absl::StatusOr<Tensor> Embed(const Tensor&) override { return absl::UnimplementedError("llm"); }
  absl::StatusOr<Tensor> Run(const LlmInputs&) override { return absl::UnimplementedError("llm"); }
  absl::StatusOr<Tensor> Logits(const Tensor&) override {
    return absl::UnimplementedError("llm");
  }
  std::unique_ptr<KvCache> NewCache(int64_t, int64_t) const override { return nullptr; }
  Flops ForwardFlops(int64_t) const override { return 0; }
  explicit LlamaLlm(const LlamaOptions& options) : options_(options) {}
  LlmShape Shape() const override {
    return LlmShape{
        options_.hidden(),     options_.layers(),
        options_.heads(),      options_.kv_heads() > 0 ? options_.kv_heads() : options_.heads(),
        options_.vocab_size(), options_.max_seq_len()};
  }

 private:
  LlamaOptions options_;
};

void ValidateLlama(const LlamaOptions& o, ValidationContext& ctx) {
  if (o.heads() <= 0) return;  // range error already reported
  if (o.hidden() % o.heads() != 0) {
    ctx.Error("heads", absl::StrCat(o.heads(), " heads do not divide hidden ", o.hidden()));
  } else if ((o.hidden() / o.heads()) % 2 != 0) {
    ctx.Error("heads", absl::StrCat("head width hidden / heads = ", o.hidden() / o.heads(),
                                    " must be even for RoPE"));
  }
  if (o.kv_heads() > 0 && o.heads() % o.kv_heads() != 0) {
    ctx.Error("kv_heads", absl::StrCat(o.kv_heads(), " key/value heads do not divide ", o.heads(),
                                       " query heads"));
  }
}

VLMLAB_REGISTER_PLUGIN(
    Llm, LlamaOptions, "llama", "Llama family: RMSNorm, RoPE, SwiGLU, grouped-query attention",
    [](const LlamaOptions& o, const BuildContext&) -> absl::StatusOr<std::unique_ptr<Llm>> {
      return std::make_unique<LlamaLlm>(o);
    },
    ValidateLlama);

}  // namespace
}  // namespace vlmlab
