#include "plugins/encoders/vit_block.h"

#include <memory>

#include "platform/base/status_macros.h"
#include "platform/nn/attention_layer.h"
#include "platform/nn/linear.h"
#include "platform/nn/norm_layers.h"
#include "platform/ops/elementwise_ops.h"

namespace vlmlab {

absl::StatusOr<Tensor> ApplyVitActivation(VitActivation activation, const Tensor& x) {
  switch (activation) {
    case VitActivation::kGeluTanh:
      return ops::Gelu(x, /*tanh_approximation=*/true);
    case VitActivation::kGeluErf:
      return ops::Gelu(x, /*tanh_approximation=*/false);
    case VitActivation::kQuickGelu: {
      VLMLAB_ASSIGN_OR_RETURN(Tensor s, ops::Scale(x, 1.702f));
      VLMLAB_ASSIGN_OR_RETURN(s, ops::Sigmoid(s));
      return ops::Mul(x, s);
    }
  }
  return absl::InternalError("vit block: unknown activation");
}

VitBlock::VitBlock(int64_t dim, int64_t heads, int64_t mlp_hidden, VitActivation activation,
                   float eps)
    : activation_(activation) {
  norm1_ = RegisterModule("norm1", std::make_unique<nn::LayerNorm>(dim, eps));
  nn::AttentionConfig ac;
  ac.dim = dim;
  ac.heads = heads;
  ac.bias = true;
  attn_ = RegisterModule("attn", std::make_unique<nn::MultiHeadAttention>(ac));
  norm2_ = RegisterModule("norm2", std::make_unique<nn::LayerNorm>(dim, eps));
  fc1_ = RegisterModule("fc1", std::make_unique<nn::Linear>(dim, mlp_hidden));
  fc2_ = RegisterModule("fc2", std::make_unique<nn::Linear>(mlp_hidden, dim));
}

absl::StatusOr<Tensor> VitBlock::Forward(const Tensor& x, const Tensor& key_padding_mask) {
  VLMLAB_ASSIGN_OR_RETURN(Tensor h, norm1_->Forward(x));  // [N, T, D]
  auto* attn = attn_.As<nn::MultiHeadAttention>();
  if (attn == nullptr) {
    return absl::FailedPreconditionError(
        "vit block: 'attn' was replaced by a module that is not a MultiHeadAttention");
  }
  nn::AttentionInputs in;
  in.key_padding_mask = key_padding_mask;
  VLMLAB_ASSIGN_OR_RETURN(h, attn->Attend(h, Tensor(), in));
  VLMLAB_ASSIGN_OR_RETURN(Tensor y, ops::Add(x, h));
  VLMLAB_ASSIGN_OR_RETURN(h, norm2_->Forward(y));
  VLMLAB_ASSIGN_OR_RETURN(h, fc1_->Forward(h));  // [N, T, hidden]
  VLMLAB_ASSIGN_OR_RETURN(h, ApplyVitActivation(activation_, h));
  VLMLAB_ASSIGN_OR_RETURN(h, fc2_->Forward(h));  // [N, T, D]
  return ops::Add(y, h);
}

}  // namespace vlmlab
