#include "platform/nn/attention_layer.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "platform/nn/linear.h"
#include "platform/ops/attention_ops.h"
#include "platform/ops/rope_ops.h"
#include "platform/ops/shape_ops.h"
#include "platform/tensor/status_macros.h"

namespace vlmlab::nn {

MultiHeadAttention::MultiHeadAttention(const AttentionConfig& config, uint64_t seed)
    : config_(config) {
  if (config_.kv_heads == 0) config_.kv_heads = config_.heads;
  if (config_.context_dim == 0) config_.context_dim = config_.dim;
  CHECK(config_.heads > 0 && config_.dim % config_.heads == 0)
      << "attention: heads " << config_.heads << " must divide dim " << config_.dim;
  CHECK(config_.kv_heads > 0 && config_.heads % config_.kv_heads == 0)
      << "attention: kv_heads " << config_.kv_heads << " must divide heads " << config_.heads;
  const int64_t head_dim = config_.dim / config_.heads;
  const int64_t kv_width = config_.kv_heads * head_dim;
  q_ = RegisterModule("q", std::make_unique<Linear>(config_.dim, config_.dim, config_.bias));
  k_ = RegisterModule("k", std::make_unique<Linear>(config_.context_dim, kv_width, config_.bias));
  v_ = RegisterModule("v", std::make_unique<Linear>(config_.context_dim, kv_width, config_.bias));
  o_ = RegisterModule("o", std::make_unique<Linear>(config_.dim, config_.dim, config_.bias));
  Initialize(seed);
}

namespace {

// [B, T, H * D] -> [B, H, T, D]
absl::StatusOr<Tensor> SplitHeads(const Tensor& x, int64_t heads) {
  VLMLAB_ASSIGN_OR_RETURN(Tensor r,
                          ops::Reshape(x, {x.size(0), x.size(1), heads, x.size(2) / heads}));
  return ops::Permute(r, {0, 2, 1, 3});
}

}  // namespace

absl::StatusOr<Tensor> MultiHeadAttention::Attend(const Tensor& x, const Tensor& context,
                                                  const AttentionInputs& inputs) {
  if (!x.defined() || x.dim() != 3 || x.size(2) != config_.dim) {
    return absl::InvalidArgumentError(
        absl::StrCat("attention: input ", x.defined() ? ShapeString(x.shape()) : "undefined",
                     " must be [B, T, ", config_.dim, "]"));
  }
  const Tensor& kv_in = context.defined() ? context : x;
  if (kv_in.dim() != 3 || kv_in.size(0) != x.size(0) || kv_in.size(2) != config_.context_dim) {
    return absl::InvalidArgumentError(absl::StrCat("attention: context ",
                                                   ShapeString(kv_in.shape()), " must be [",
                                                   x.size(0), ", Tk, ", config_.context_dim, "]"));
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor q, q_->Forward(x));            // [B, Tq, H * D]
  VLMLAB_ASSIGN_OR_RETURN(Tensor k, k_->Forward(kv_in));        // [B, Tk, Hkv * D]
  VLMLAB_ASSIGN_OR_RETURN(Tensor v, v_->Forward(kv_in));        // [B, Tk, Hkv * D]
  VLMLAB_ASSIGN_OR_RETURN(q, SplitHeads(q, config_.heads));     // [B, H, Tq, D]
  VLMLAB_ASSIGN_OR_RETURN(k, SplitHeads(k, config_.kv_heads));  // [B, Hkv, Tk, D]
  VLMLAB_ASSIGN_OR_RETURN(v, SplitHeads(v, config_.kv_heads));  // [B, Hkv, Tk, D]
  if (config_.rope_theta > 0) {
    if (!inputs.positions.defined()) {
      return absl::InvalidArgumentError("attention: rotary embeddings need positions");
    }
    VLMLAB_ASSIGN_OR_RETURN(q, ops::Rope(q, inputs.positions, config_.rope_theta));
    if (!context.defined()) {
      VLMLAB_ASSIGN_OR_RETURN(k, ops::Rope(k, inputs.positions, config_.rope_theta));
    }
  }
  ops::AttentionOptions options;
  options.causal = inputs.causal;
  options.key_padding_mask = inputs.key_padding_mask;
  options.mask = inputs.mask;
  VLMLAB_ASSIGN_OR_RETURN(Tensor a,
                          ops::ScaledDotProductAttention(q, k, v, options));  // [B, H, Tq, D]
  VLMLAB_ASSIGN_OR_RETURN(a, ops::Permute(a, {0, 2, 1, 3}));                  // [B, Tq, H, D]
  VLMLAB_ASSIGN_OR_RETURN(a, ops::Reshape(a, {x.size(0), x.size(1), config_.dim}));  // [B, Tq, C]
  return o_->Forward(a);
}

}  // namespace vlmlab::nn
