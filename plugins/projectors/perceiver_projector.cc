// `perceiver`: a Perceiver resampler (Flamingo, Idefics2): learned latents cross-attend to the
// visual tokens, so every image costs num_latents tokens.
//
//   projector { perceiver { num_latents: 64 depth: 3 heads: 8 mlp_ratio: 4 input_mlp: true } }
//
// With H the LLM hidden size and visual tokens x [N, T, D_enc]:
//   x = input_mlp ? MLP(D_enc -> H -> H, GELU)(x) : x     (without it, D_enc must equal H)
//   z = latents [L, H], the same for every image
//   depth times (pre-norm, Flamingo's keys and values from the visual tokens and the latents):
//     zn = norm_latents(z);  xn = norm_context(x)
//     z  = z + attn(query zn, keys/values concat(xn, zn))     (heads heads, biases off)
//     z  = z + mlp(norm_mlp(z))                               (H -> mlp_ratio*H -> H, GELU)
//   out = norm(z)  -> [N, L, H]   (no grid)
// Padding tokens of native-resolution images (EncodedImages::token_mask 0) are masked out of
// the keys, so a padded image resamples to what it gives alone.
// Parameters: input_mlp.layers.{0,1}.{weight,bias}; latents [L, H];
//   layers.<i>.norm_latents, .norm_context, .attn.{q,k,v,o}.weight, .norm_mlp,
//   .mlp.layers.{0,1}.{weight,bias}; norm.{weight,bias}.
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/nn/attention_layer.h"
#include "platform/nn/mlp.h"
#include "platform/nn/norm_layers.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/shape_ops.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/projectors.pb.h"
#include "plugins/projectors/projector_util.h"

namespace vlmlab {
namespace {

int64_t MlpHidden(const PerceiverOptions& o, int64_t hidden) {
  return std::max<int64_t>(1, std::llround(o.mlp_ratio() * static_cast<double>(hidden)));
}

class ResamplerLayer : public nn::Module {
 public:
  ResamplerLayer(int64_t hidden, int64_t heads, int64_t mlp_hidden) {
    norm_latents_ = RegisterModule("norm_latents", std::make_unique<nn::LayerNorm>(hidden));
    norm_context_ = RegisterModule("norm_context", std::make_unique<nn::LayerNorm>(hidden));
    nn::AttentionConfig ac;
    ac.dim = hidden;
    ac.heads = heads;
    attn_ = RegisterModule("attn", std::make_unique<nn::MultiHeadAttention>(ac));
    norm_mlp_ = RegisterModule("norm_mlp", std::make_unique<nn::LayerNorm>(hidden));
    mlp_ = RegisterModule(
        "mlp", std::make_unique<nn::MLP>(std::vector<int64_t>{hidden, mlp_hidden, hidden},
                                         nn::Activation::kGeluErf));
  }
  const char* type_name() const override { return "PerceiverLayer"; }

  // z [N, L, H], x [N, T, H] -> [N, L, H]; `kv_mask` i32 [N, T + L] or undefined (all).
  absl::StatusOr<Tensor> Run(const Tensor& z, const Tensor& x, const Tensor& kv_mask) {
    VLMLAB_ASSIGN_OR_RETURN(Tensor zn, norm_latents_->Forward(z));
    VLMLAB_ASSIGN_OR_RETURN(Tensor xn, norm_context_->Forward(x));
    VLMLAB_ASSIGN_OR_RETURN(Tensor kv, ops::Concat({xn, zn}, 1));  // [N, T + L, H]
    auto* attn = attn_.As<nn::MultiHeadAttention>();
    if (attn == nullptr) {
      return absl::FailedPreconditionError(
          "perceiver: 'attn' was replaced by a module that is not a MultiHeadAttention");
    }
    nn::AttentionInputs in;
    in.key_padding_mask = kv_mask;
    VLMLAB_ASSIGN_OR_RETURN(Tensor a, attn->Attend(zn, kv, in));
    VLMLAB_ASSIGN_OR_RETURN(Tensor y, ops::Add(z, a));
    VLMLAB_ASSIGN_OR_RETURN(Tensor h, norm_mlp_->Forward(y));
    VLMLAB_ASSIGN_OR_RETURN(h, mlp_->Forward(h));
    return ops::Add(y, h);
  }

 private:
  nn::Submodule norm_latents_, norm_context_, attn_, norm_mlp_, mlp_;
};

class PerceiverProjector : public Projector {
 public:
  PerceiverProjector(const PerceiverOptions& options, uint64_t seed)
      : options_(options), seed_(seed) {}
  const char* type_name() const override { return "PerceiverProjector"; }

  absl::StatusOr<VisualShape> OutputShape(const VisualShape& in,
                                          const LlmShape& llm) const override {
    if (options_.heads() < 1 || llm.hidden % options_.heads() != 0) {
      return absl::InvalidArgumentError(absl::StrCat("perceiver.heads ", options_.heads(),
                                                     " does not divide the LLM hidden size ",
                                                     llm.hidden));
    }
    if (!options_.input_mlp() && in.dim != llm.hidden) {
      return absl::InvalidArgumentError(
          absl::StrCat("perceiver.input_mlp is off, so the encoder width ", in.dim,
                       " must equal the LLM hidden size ", llm.hidden, "; set input_mlp: true"));
    }
    return VisualShape{options_.num_latents(), llm.hidden, 0, 0};
  }

  absl::Status Build(const VisualShape& in, const LlmShape& llm) override {
    if (built_) return absl::FailedPreconditionError("perceiver: Build called twice");
    VLMLAB_RETURN_IF_ERROR(OutputShape(in, llm).status());
    if (options_.num_latents() < 1 || options_.depth() < 1) {
      return absl::InvalidArgumentError("perceiver: num_latents and depth must be >= 1");
    }
    in_dim_ = in.dim;
    hidden_ = llm.hidden;
    if (options_.input_mlp()) {
      input_mlp_ = RegisterModule(
          "input_mlp", std::make_unique<nn::MLP>(std::vector<int64_t>{in.dim, hidden_, hidden_},
                                                 nn::Activation::kGeluErf));
    }
    latents_ = RegisterParameter("latents", Tensor::Zeros({options_.num_latents(), hidden_}));
    auto layers = std::make_unique<nn::ModuleList>();
    for (int i = 0; i < options_.depth(); ++i) {
      layers->Append(std::make_unique<ResamplerLayer>(hidden_, options_.heads(),
                                                      MlpHidden(options_, hidden_)));
    }
    layers_ = RegisterModule("layers", std::move(layers));
    norm_ = RegisterModule("norm", std::make_unique<nn::LayerNorm>(hidden_));
    built_ = true;
    Initialize(seed_);
    return absl::OkStatus();
  }

  void ResetParameters(const nn::ParamInit& init) override {
    if (latents_) init.Normal(*latents_, "latents", 1.0f);
  }

  absl::StatusOr<Tensor> Project(const EncodedImages& in) override {
    VLMLAB_RETURN_IF_ERROR(
        CheckProjectorInput("perceiver", built_, in, in_dim_, /*masks_padding=*/true));
    Tensor x = in.tokens;
    if (input_mlp_) {
      VLMLAB_ASSIGN_OR_RETURN(x, input_mlp_->Forward(x));  // [N, T, H]
    }
    const int64_t n = x.size(0), l = options_.num_latents();
    VLMLAB_ASSIGN_OR_RETURN(Tensor z, ops::Reshape(*latents_, {1, l, hidden_}));
    VLMLAB_ASSIGN_OR_RETURN(z, ops::BroadcastTo(z, {n, l, hidden_}));  // [N, L, H]
    Tensor kv_mask;  // i32 [N, T + L]: the images' padding tokens masked, latents kept
    if (in.token_mask.defined()) {
      std::vector<int32_t> tokens = in.token_mask.Contiguous().ToInts();
      const int64_t t = in.token_mask.size(1);
      std::vector<int32_t> mask(n * (t + l), 1);
      for (int64_t i = 0; i < n; ++i) {
        std::copy(tokens.begin() + i * t, tokens.begin() + (i + 1) * t, mask.begin() + i * (t + l));
      }
      kv_mask = Tensor::FromInts({n, t + l}, mask);
    }
    auto* list = layers_.As<nn::ModuleList>();
    for (size_t i = 0; i < list->size(); ++i) {
      auto* layer = (*list)[i].As<ResamplerLayer>();
      if (layer == nullptr) {
        return absl::FailedPreconditionError(
            absl::StrCat("perceiver: layers.", i, " was replaced by another module"));
      }
      VLMLAB_ASSIGN_OR_RETURN(z, layer->Run(z, x, kv_mask));
    }
    return norm_->Forward(z);  // [N, L, H]
  }

  Flops ForwardFlops(const VisualShape& in, const LlmShape& llm) const override {
    const double t = static_cast<double>(in.tokens), l = options_.num_latents();
    const double h = static_cast<double>(llm.hidden), d = static_cast<double>(in.dim);
    const double m = static_cast<double>(MlpHidden(options_, llm.hidden));
    double flops = options_.input_mlp() ? 2 * t * (d * h + h * h) : 0;
    const double per_layer = 2 * l * h * h * 2          // q and o projections of the latents
                             + 2 * (t + l) * h * h * 2  // k and v of visual tokens and latents
                             + 2 * 2 * l * (t + l) * h  // scores and weighted values
                             + 2 * 2 * l * h * m;       // the MLP
    return flops + options_.depth() * per_layer;
  }

 private:
  PerceiverOptions options_;
  uint64_t seed_;
  bool built_ = false;
  int64_t in_dim_ = 0, hidden_ = 0;
  nn::Submodule input_mlp_, layers_, norm_;
  nn::ParamRef latents_;
};

VLMLAB_REGISTER_PLUGIN(
    Projector, PerceiverOptions, "perceiver",
    "Perceiver resampler: learned latents cross-attend to visual tokens (Flamingo, Idefics2)",
    [](const PerceiverOptions& o,
       const BuildContext& ctx) -> absl::StatusOr<std::unique_ptr<Projector>> {
      return std::make_unique<PerceiverProjector>(o, ctx.seed);
    },
    nullptr);

}  // namespace
}  // namespace vlmlab
