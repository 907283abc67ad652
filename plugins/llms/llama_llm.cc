// `llama`: a Llama-family backbone (RMSNorm, RoPE, SwiGLU, grouped-query attention). Parameter
// names and usage: llama_llm.h.
#include "plugins/llms/llama_llm.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/base/status_macros.h"
#include "platform/nn/linear.h"
#include "platform/nn/norm_layers.h"
#include "platform/nn/transformer_block.h"
#include "platform/plugin_api/validation_context.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/llms.pb.h"
#include "plugins/llms/decoder_llm.h"
#include "plugins/llms/decoder_stack.h"
#include "plugins/llms/hf_llama_names.h"

namespace vlmlab::llms {
namespace {

constexpr char kName[] = "llama";

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

class LlamaLlm : public DecoderLlm {
 public:
  explicit LlamaLlm(const LlamaOptions& options)
      : DecoderLlm(kName, options.hidden()), options_(options) {}

  // Hugging Face Llama-family checkpoints (hf_llama_names.h).
  absl::StatusOr<nn::TensorMap> ImportWeights(const std::string& naming,
                                              const nn::TensorMap& file) const override {
    if (naming != "hf_llama") return Llm::ImportWeights(naming, file);
    return llms::HfLlamaToVlmlab(file, options_);
  }
  const char* type_name() const override { return "LlamaLlm"; }

  LlmShape Shape() const override {
    return LlmShape{options_.hidden(),
                    options_.layers(),
                    options_.heads(),
                    kv_heads(),
                    vocab() > 0 ? vocab() : options_.vocab_size(),
                    options_.max_seq_len()};
  }

  absl::Status Build(int64_t vocab_size) override {
    if (built()) return absl::FailedPreconditionError("llama: Build called twice");
    VLMLAB_RETURN_IF_ERROR(CheckOptions());
    VLMLAB_RETURN_IF_ERROR(BeginBuild(vocab_size, options_.vocab_size()));
    const int64_t hidden = options_.hidden();
    nn::BlockConfig c;
    c.dim = hidden;
    c.heads = options_.heads();
    c.kv_heads = kv_heads();
    c.mlp_hidden = LlamaIntermediate(options_);
    c.style = nn::BlockStyle::kRmsNormSwiGlu;
    c.rope_theta = options_.rope_theta();
    c.bias = false;
    c.norm_eps = options_.rms_norm_eps();
    auto blocks = std::make_unique<nn::ModuleList>();
    for (int i = 0; i < options_.layers(); ++i) {
      blocks->Append(std::make_unique<nn::TransformerBlock>(c));
    }
    return FinishBuild(std::move(blocks),
                       std::make_unique<nn::RmsNorm>(hidden, options_.rms_norm_eps()),
                       options_.tie_embeddings()
                           ? nullptr
                           : std::make_unique<nn::Linear>(hidden, vocab(), false));
  }

  absl::StatusOr<Tensor> Run(const LlmInputs& inputs) override {
    VLMLAB_RETURN_IF_ERROR(CheckBuilt());
    VLMLAB_ASSIGN_OR_RETURN(StackInputs checked, CheckLlmInputs(kName, inputs, options_.hidden(),
                                                                options_.max_seq_len(), this));
    VLMLAB_ASSIGN_OR_RETURN(Tensor h,
                            RunBlocks(kName, *blocks(), inputs.embeddings, inputs, checked, 0));
    return norm().Forward(h);  // [B, T, H]
  }

  Flops ForwardFlops(int64_t tokens) const override {
    const double t = static_cast<double>(tokens), h = options_.hidden();
    const int64_t head_dim = options_.hidden() / options_.heads();
    const double kv = static_cast<double>(kv_heads()) * head_dim;
    const double inter = static_cast<double>(LlamaIntermediate(options_));
    const double per_layer = 2 * t * h * (2 * h + 2 * kv) + 2 * t * 3 * h * inter +
                             CausalAttentionFlops(tokens, options_.heads(), head_dim);
    const double vocab = static_cast<double>(Shape().vocab_size);
    return options_.layers() * per_layer + 2 * t * h * vocab;
  }

 private:
  int64_t kv_heads() const {
    return options_.kv_heads() > 0 ? options_.kv_heads() : options_.heads();
  }
  absl::Status CheckOptions() const {
    ValidationContext ctx;
    if (options_.hidden() <= 0 || options_.heads() <= 0 || options_.layers() <= 0 ||
        options_.max_seq_len() <= 0 || options_.kv_heads() < 0 || options_.intermediate() < 0 ||
        !(options_.rope_theta() > 0) || !(options_.rms_norm_eps() > 0)) {
      ctx.Error("", "hidden, heads, layers, max_seq_len, rope_theta and rms_norm_eps must be > 0");
    }
    ValidateLlama(options_, ctx);
    if (ctx.ok()) return absl::OkStatus();
    std::vector<std::string> lines;
    for (const auto& e : ctx.errors()) lines.push_back(absl::StrCat(e.path, ": ", e.message));
    return absl::InvalidArgumentError(absl::StrCat("llama options: ", absl::StrJoin(lines, "; ")));
  }

  LlamaOptions options_;
};

VLMLAB_REGISTER_PLUGIN(
    Llm, LlamaOptions, "llama", "Llama family: RMSNorm, RoPE, SwiGLU, grouped-query attention",
    [](const LlamaOptions& o, const BuildContext&) -> absl::StatusOr<std::unique_ptr<Llm>> {
      return NewLlamaLlm(o);
    },
    ValidateLlama);

}  // namespace

std::unique_ptr<Llm> NewLlamaLlm(const LlamaOptions& options) {
  return std::make_unique<LlamaLlm>(options);
}

int64_t LlamaIntermediate(const LlamaOptions& options) {
  if (options.intermediate() > 0) return options.intermediate();
  const int64_t third = (8 * static_cast<int64_t>(options.hidden()) + 2) / 3;  // ceil(8h / 3)
  return (third + 63) / 64 * 64;
}

}  // namespace vlmlab::llms
