// `qformer`: BLIP-2's Querying Transformer as a projector (Li et al. 2023): learned queries
// read the image through cross-attention, so every image costs num_queries tokens.
//
//   projector { qformer { num_queries: 32 depth: 2 heads: 4 cross_attention_every: 2 } }
//
// With encoder tokens x [N, T, D_enc], queries q [Q, Hq] (hidden, or the LLM's H when 0):
//   x = ln_vision(x)                         (BLIP-2 normalises the ViT output)
//   z = ln_queries(q), broadcast to [N, Q, Hq]
//   layer i (BERT-style post-norm):
//     z = norm_self(z + self_attn(z))
//     z = norm_cross(z + cross_attn(query z, keys/values x))   when i % cross_attention_every == 0
//     z = norm_mlp(z + mlp(z))                                 (Hq -> mlp_ratio*Hq -> Hq, GELU)
//   out = output(z)  -> [N, Q, H]            (BLIP-2's language projection)
// Attention projections carry biases as in BERT. Padding tokens of native-resolution images
// (EncodedImages::token_mask 0) are masked out of the cross-attention keys. BLIP-2 pre-trains
// the Q-Former with image-text contrastive, matching and captioning losses; here it trains with
// whatever stages the experiment runs.
// Parameters: ln_vision, queries [Q, Hq], ln_queries, layers.<i>.{self_attn, norm_self,
// cross_attn (context width D_enc), norm_cross, mlp.layers.{0,1}, norm_mlp}, output.
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/nn/attention_layer.h"
#include "platform/nn/linear.h"
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

int64_t Width(const QFormerOptions& o, const LlmShape& llm) {
  return o.hidden() > 0 ? o.hidden() : llm.hidden;
}
int64_t MlpHidden(const QFormerOptions& o, int64_t width) {
  return std::max<int64_t>(1, std::llround(o.mlp_ratio() * static_cast<double>(width)));
}
bool CrossAttends(const QFormerOptions& o, int layer) {
  return layer % o.cross_attention_every() == 0;
}

class QFormerLayer : public nn::Module {
 public:
  QFormerLayer(int64_t width, int64_t heads, int64_t mlp_hidden, int64_t context_dim, bool cross) {
    nn::AttentionConfig self{.dim = width, .heads = heads, .bias = true};
    self_attn_ = RegisterModule("self_attn", std::make_unique<nn::MultiHeadAttention>(self));
    norm_self_ = RegisterModule("norm_self", std::make_unique<nn::LayerNorm>(width));
    if (cross) {
      nn::AttentionConfig c{.dim = width, .heads = heads, .context_dim = context_dim, .bias = true};
      cross_attn_ = RegisterModule("cross_attn", std::make_unique<nn::MultiHeadAttention>(c));
      norm_cross_ = RegisterModule("norm_cross", std::make_unique<nn::LayerNorm>(width));
    }
    mlp_ = RegisterModule("mlp", std::make_unique<nn::MLP>(
                                     std::vector<int64_t>{width, mlp_hidden, width},
                                     nn::Activation::kGeluErf));
    norm_mlp_ = RegisterModule("norm_mlp", std::make_unique<nn::LayerNorm>(width));
  }
  const char* type_name() const override { return "QFormerLayer"; }

  // z [N, Q, Hq], x [N, T, D_enc] -> [N, Q, Hq]; `x_mask` i32 [N, T] or undefined (all real).
  absl::StatusOr<Tensor> Run(const Tensor& z, const Tensor& x, const Tensor& x_mask) {
    auto* self = self_attn_.As<nn::MultiHeadAttention>();
    if (self == nullptr) {
      return absl::FailedPreconditionError(
          "qformer: 'self_attn' was replaced by a module that is not a MultiHeadAttention");
    }
    VLMLAB_ASSIGN_OR_RETURN(Tensor a, self->Attend(z, Tensor(), {}));
    VLMLAB_ASSIGN_OR_RETURN(Tensor y, ops::Add(z, a));
    VLMLAB_ASSIGN_OR_RETURN(y, norm_self_->Forward(y));
    if (cross_attn_) {
      auto* cross = cross_attn_.As<nn::MultiHeadAttention>();
      if (cross == nullptr) {
        return absl::FailedPreconditionError(
            "qformer: 'cross_attn' was replaced by a module that is not a MultiHeadAttention");
      }
      nn::AttentionInputs in;
      in.key_padding_mask = x_mask;
      VLMLAB_ASSIGN_OR_RETURN(Tensor c, cross->Attend(y, x, in));
      VLMLAB_ASSIGN_OR_RETURN(y, ops::Add(y, c));
      VLMLAB_ASSIGN_OR_RETURN(y, norm_cross_->Forward(y));
    }
    VLMLAB_ASSIGN_OR_RETURN(Tensor h, mlp_->Forward(y));
    VLMLAB_ASSIGN_OR_RETURN(y, ops::Add(y, h));
    return norm_mlp_->Forward(y);
  }

 private:
  nn::Submodule self_attn_, norm_self_, cross_attn_, norm_cross_, mlp_, norm_mlp_;
};

class QFormerProjector : public Projector {
 public:
  QFormerProjector(const QFormerOptions& options, uint64_t seed) : options_(options), seed_(seed) {}
  const char* type_name() const override { return "QFormerProjector"; }

  absl::StatusOr<VisualShape> OutputShape(const VisualShape& in,
                                          const LlmShape& llm) const override {
    const int64_t width = Width(options_, llm);
    if (width % options_.heads() != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "qformer.heads ", options_.heads(), " does not divide the query width ", width,
          options_.hidden() > 0 ? " (qformer.hidden)" : " (the LLM hidden size; set hidden)"));
    }
    return VisualShape{options_.num_queries(), llm.hidden, 0, 0};
  }

  absl::Status Build(const VisualShape& in, const LlmShape& llm) override {
    if (built_) return absl::FailedPreconditionError("qformer: Build called twice");
    VLMLAB_RETURN_IF_ERROR(OutputShape(in, llm).status());
    in_dim_ = in.dim;
    width_ = Width(options_, llm);
    ln_vision_ = RegisterModule("ln_vision", std::make_unique<nn::LayerNorm>(in.dim));
    queries_ = RegisterParameter("queries", Tensor::Zeros({options_.num_queries(), width_}));
    ln_queries_ = RegisterModule("ln_queries", std::make_unique<nn::LayerNorm>(width_));
    auto layers = std::make_unique<nn::ModuleList>();
    for (int i = 0; i < options_.depth(); ++i) {
      layers->Append(std::make_unique<QFormerLayer>(width_, options_.heads(),
                                                    MlpHidden(options_, width_), in.dim,
                                                    CrossAttends(options_, i)));
    }
    layers_ = RegisterModule("layers", std::move(layers));
    output_ = RegisterModule("output", std::make_unique<nn::Linear>(width_, llm.hidden));
    built_ = true;
    Initialize(seed_);
    return absl::OkStatus();
  }

  void ResetParameters(const nn::ParamInit& init) override {
    if (queries_) init.Normal(*queries_, "queries", 0.02f);  // BERT's initialiser range
  }

  absl::StatusOr<Tensor> Project(const EncodedImages& in) override {
    VLMLAB_RETURN_IF_ERROR(
        CheckProjectorInput("qformer", built_, in, in_dim_, /*masks_padding=*/true));
    VLMLAB_ASSIGN_OR_RETURN(Tensor x, ln_vision_->Forward(in.tokens));  // [N, T, D_enc]
    const int64_t n = x.size(0), q = options_.num_queries();
    VLMLAB_ASSIGN_OR_RETURN(Tensor z, ln_queries_->Forward(*queries_));   // [Q, Hq]
    VLMLAB_ASSIGN_OR_RETURN(z, ops::Reshape(z, {1, q, width_}));
    VLMLAB_ASSIGN_OR_RETURN(z, ops::BroadcastTo(z, {n, q, width_}));      // [N, Q, Hq]
    auto* list = layers_.As<nn::ModuleList>();
    for (size_t i = 0; i < list->size(); ++i) {
      auto* layer = (*list)[i].As<QFormerLayer>();
      if (layer == nullptr) {
        return absl::FailedPreconditionError(
            absl::StrCat("qformer: layers.", i, " was replaced by another module"));
      }
      VLMLAB_ASSIGN_OR_RETURN(z, layer->Run(z, x, in.token_mask));
    }
    return output_->Forward(z);  // [N, Q, H]
  }

  Flops ForwardFlops(const VisualShape& in, const LlmShape& llm) const override {
    const double t = static_cast<double>(in.tokens), q = options_.num_queries();
    const double w = static_cast<double>(Width(options_, llm)), d = static_cast<double>(in.dim);
    const double m = static_cast<double>(MlpHidden(options_, Width(options_, llm)));
    double flops = 2 * q * w * static_cast<double>(llm.hidden);  // output
    for (int i = 0; i < options_.depth(); ++i) {
      flops += 2 * q * w * w * 4 + 2 * 2 * q * q * w;  // self-attention
      if (CrossAttends(options_, i)) {
        flops += 2 * q * w * w * 2       // q and o projections
                 + 2 * t * d * w * 2     // k and v of the image tokens
                 + 2 * 2 * q * t * w;    // scores and weighted values
      }
      flops += 2 * 2 * q * w * m;  // the MLP
    }
    return flops;
  }

 private:
  QFormerOptions options_;
  uint64_t seed_;
  bool built_ = false;
  int64_t in_dim_ = 0, width_ = 0;
  nn::Submodule ln_vision_, ln_queries_, layers_, output_;
  nn::ParamRef queries_;
};

VLMLAB_REGISTER_PLUGIN(
    Projector, QFormerOptions, "qformer",
    "BLIP-2 Q-Former: learned queries with self-attention and cross-attention to the image",
    [](const QFormerOptions& o,
       const BuildContext& ctx) -> absl::StatusOr<std::unique_ptr<Projector>> {
      return std::make_unique<QFormerProjector>(o, ctx.seed);
    },
    nullptr);

}  // namespace
}  // namespace vlmlab
