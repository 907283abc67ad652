#include "plugins/fusion/gated_cross_attention.h"

#include <cmath>
#include <memory>

#include "platform/base/status_macros.h"
#include "platform/nn/attention_layer.h"
#include "platform/nn/mlp.h"
#include "platform/nn/norm_layers.h"
#include "platform/ops/elementwise_ops.h"

namespace vlmlab {

GatedCrossAttention::GatedCrossAttention(int64_t dim, int64_t heads, float mlp_ratio,
                                         float gate_init)
    : gate_init_(gate_init) {
  attn_norm_ = RegisterModule("attn_norm", std::make_unique<nn::LayerNorm>(dim));
  nn::AttentionConfig c;
  c.dim = dim;
  c.heads = heads;
  c.context_dim = dim;
  c.bias = false;
  attn_ = RegisterModule("attn", std::make_unique<nn::MultiHeadAttention>(c));
  attn_gate_ = RegisterParameter("attn_gate", Tensor::Full({1}, gate_init));
  const int64_t ff_hidden = static_cast<int64_t>(std::lround(mlp_ratio * dim));
  if (ff_hidden > 0) {
    ff_norm_ = RegisterModule("ff_norm", std::make_unique<nn::LayerNorm>(dim));
    ff_ = RegisterModule("ff", std::make_unique<nn::MLP>(std::vector<int64_t>{dim, ff_hidden, dim},
                                                         nn::Activation::kGeluTanh));
    ff_gate_ = RegisterParameter("ff_gate", Tensor::Full({1}, gate_init));
  }
}

void GatedCrossAttention::ResetParameters(const nn::ParamInit& init) {
  init.Constant(*attn_gate_, gate_init_);
  if (ff_gate_) init.Constant(*ff_gate_, gate_init_);
}

absl::StatusOr<Tensor> GatedCrossAttention::Apply(const Tensor& x, const Tensor& context,
                                                  const Tensor& mask) {
  Tensor y = x;  // [B, T, C]
  if (context.defined()) {
    auto* attn = attn_.As<nn::MultiHeadAttention>();
    if (attn == nullptr) {
      return absl::FailedPreconditionError(
          "gated cross-attention: 'attn' was replaced by a module that is not a "
          "MultiHeadAttention");
    }
    VLMLAB_ASSIGN_OR_RETURN(Tensor h, attn_norm_->Forward(x));
    nn::AttentionInputs in;
    in.mask = mask;
    VLMLAB_ASSIGN_OR_RETURN(h, attn->Attend(h, context, in));  // [B, T, C]
    VLMLAB_ASSIGN_OR_RETURN(Tensor gate, ops::Tanh(*attn_gate_));
    VLMLAB_ASSIGN_OR_RETURN(h, ops::Mul(h, gate));
    VLMLAB_ASSIGN_OR_RETURN(y, ops::Add(y, h));
  }
  if (ff_) {
    VLMLAB_ASSIGN_OR_RETURN(Tensor h, ff_norm_->Forward(y));
    VLMLAB_ASSIGN_OR_RETURN(h, ff_->Forward(h));  // [B, T, C]
    VLMLAB_ASSIGN_OR_RETURN(Tensor gate, ops::Tanh(*ff_gate_));
    VLMLAB_ASSIGN_OR_RETURN(h, ops::Mul(h, gate));
    VLMLAB_ASSIGN_OR_RETURN(y, ops::Add(y, h));
  }
  return y;
}

}  // namespace vlmlab
