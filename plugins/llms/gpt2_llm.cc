// `gpt2`: a GPT-2 backbone (LayerNorm, learned positions, GELU MLP). Parameter names and usage:
// gpt2_llm.h.
#include "plugins/llms/gpt2_llm.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/nn/embedding_layer.h"
#include "platform/nn/norm_layers.h"
#include "platform/nn/transformer_block.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/plugin_api/validation_context.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/llms.pb.h"
#include "platform/tensor/counter_random.h"
#include "plugins/llms/decoder_llm.h"
#include "plugins/llms/decoder_stack.h"
#include "plugins/llms/hf_gpt2_names.h"

namespace vlmlab::llms {
namespace {

constexpr char kName[] = "gpt2";

void ValidateGpt2(const Gpt2Options& o, ValidationContext& ctx) {
  if (o.heads() > 0 && o.hidden() % o.heads() != 0) {
    ctx.Error("heads", absl::StrCat(o.heads(), " heads do not divide hidden ", o.hidden()));
  }
}

int64_t MlpHidden(const Gpt2Options& o) {
  return std::max<int64_t>(1, std::llround(static_cast<double>(o.mlp_ratio()) * o.hidden()));
}

class Gpt2Llm : public DecoderLlm {
 public:
  Gpt2Llm(const Gpt2Options& options, uint64_t seed)
      : DecoderLlm(kName, options.hidden()), options_(options), seed_(seed) {}

  // Hugging Face GPT-2 checkpoints (hf_gpt2_names.h).
  absl::StatusOr<nn::TensorMap> ImportWeights(const std::string& naming,
                                              const nn::TensorMap& file) const override {
    if (naming != "hf_gpt2") return Llm::ImportWeights(naming, file);
    return HfGpt2ToVlmlab(file, options_);
  }
  const char* type_name() const override { return "Gpt2Llm"; }

  LlmShape Shape() const override {
    return LlmShape{options_.hidden(),
                    options_.layers(),
                    options_.heads(),
                    options_.heads(),
                    vocab() > 0 ? vocab() : options_.vocab_size(),
                    options_.max_seq_len()};
  }

  absl::Status Build(int64_t vocab_size) override {
    if (built()) return absl::FailedPreconditionError("gpt2: Build called twice");
    const Gpt2Options& o = options_;
    if (o.hidden() <= 0 || o.heads() <= 0 || o.layers() <= 0 || o.max_seq_len() <= 0 ||
        o.hidden() % o.heads() != 0 || !(o.mlp_ratio() > 0) || !(o.layer_norm_eps() > 0) ||
        !(o.dropout() >= 0 && o.dropout() < 1)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "gpt2 options: hidden (", o.hidden(), "), heads (", o.heads(),
          "), layers, max_seq_len,"
          " mlp_ratio and layer_norm_eps must be > 0, heads must divide hidden and dropout (",
          o.dropout(), ") be in [0, 1)"));
    }
    VLMLAB_RETURN_IF_ERROR(BeginBuild(vocab_size, o.vocab_size()));
    pos_embed_ = RegisterModule(
        "pos_embed", std::make_unique<nn::Embedding>(o.max_seq_len(), o.hidden(), 0.01f));
    nn::BlockConfig c;
    c.dim = o.hidden();
    c.heads = o.heads();
    c.mlp_hidden = MlpHidden(o);
    c.style = nn::BlockStyle::kPreLnGelu;
    c.bias = true;
    c.norm_eps = o.layer_norm_eps();
    c.dropout = o.dropout();
    auto blocks = std::make_unique<nn::ModuleList>();
    for (int i = 0; i < o.layers(); ++i) {
      blocks->Append(std::make_unique<nn::TransformerBlock>(c));
    }
    return FinishBuild(std::move(blocks),
                       std::make_unique<nn::LayerNorm>(o.hidden(), o.layer_norm_eps()), nullptr);
  }

  absl::StatusOr<Tensor> Run(const LlmInputs& inputs) override {
    VLMLAB_RETURN_IF_ERROR(CheckBuilt());
    VLMLAB_ASSIGN_OR_RETURN(StackInputs checked, CheckLlmInputs(kName, inputs, options_.hidden(),
                                                                options_.max_seq_len(), this));
    VLMLAB_ASSIGN_OR_RETURN(Tensor pos, pos_embed_->Forward(checked.positions));  // [B, T, H]
    VLMLAB_ASSIGN_OR_RETURN(Tensor h, ops::Add(inputs.embeddings, pos));
    uint64_t dropout_seed = 0;
    if (is_training() && options_.dropout() > 0) {
      dropout_seed = Mix64(seed_ ^ Mix64(training_runs_++)) & ~uint64_t{0xffff};
    }
    VLMLAB_ASSIGN_OR_RETURN(h, RunBlocks(kName, *blocks(), h, inputs, checked, dropout_seed));
    return norm().Forward(h);  // [B, T, H]
  }

  Flops ForwardFlops(int64_t tokens) const override {
    const double t = static_cast<double>(tokens), h = options_.hidden();
    const double mlp = static_cast<double>(MlpHidden(options_));
    const double per_layer =
        2 * t * h * 4 * h + 2 * t * 2 * h * mlp +
        CausalAttentionFlops(tokens, options_.heads(), options_.hidden() / options_.heads());
    const double vocab = static_cast<double>(Shape().vocab_size);
    return options_.layers() * per_layer + 2 * t * h * vocab;
  }

 private:
  Gpt2Options options_;
  uint64_t seed_;
  uint64_t training_runs_ = 0;
  nn::Submodule pos_embed_;
};

VLMLAB_REGISTER_PLUGIN(
    Llm, Gpt2Options, "gpt2", "GPT-2: LayerNorm, learned positions, GELU MLP",
    [](const Gpt2Options& o, const BuildContext& ctx) -> absl::StatusOr<std::unique_ptr<Llm>> {
      return NewGpt2Llm(o, ctx.seed);
    },
    ValidateGpt2);

}  // namespace

std::unique_ptr<Llm> NewGpt2Llm(const Gpt2Options& options, uint64_t seed) {
  return std::make_unique<Gpt2Llm>(options, seed);
}

}  // namespace vlmlab::llms
