#include "platform/nn/transformer_block.h"

#include <memory>

#include "glog/logging.h"
#include "platform/base/status_macros.h"
#include "platform/nn/linear.h"
#include "platform/nn/norm_layers.h"
#include "platform/ops/dropout_ops.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/tensor/counter_random.h"

namespace vlmlab::nn {

TransformerBlock::TransformerBlock(const BlockConfig& config, uint64_t seed) : config_(config) {
  CHECK(config_.dropout >= 0 && config_.dropout < 1)
      << "transformer block: dropout " << config_.dropout << " must be in [0, 1)";
  if (config_.mlp_hidden == 0) config_.mlp_hidden = 4 * config_.dim;
  const bool llama = config_.style == BlockStyle::kRmsNormSwiGlu;
  auto norm = [&]() -> std::unique_ptr<Module> {
    if (llama) return std::make_unique<RmsNorm>(config_.dim, config_.norm_eps);
    return std::make_unique<LayerNorm>(config_.dim, config_.norm_eps);
  };
  norm1_ = RegisterModule("norm1", norm());
  AttentionConfig ac;
  ac.dim = config_.dim;
  ac.heads = config_.heads;
  ac.kv_heads = config_.kv_heads;
  ac.bias = config_.bias;
  ac.rope_theta = config_.rope_theta;
  attn_ = RegisterModule("attn", std::make_unique<MultiHeadAttention>(ac));
  norm2_ = RegisterModule("norm2", norm());
  fc1_ = RegisterModule("fc1",
                        std::make_unique<Linear>(config_.dim, config_.mlp_hidden, config_.bias));
  fc2_ = RegisterModule("fc2",
                        std::make_unique<Linear>(config_.mlp_hidden, config_.dim, config_.bias));
  if (llama) {
    fc3_ = RegisterModule("fc3",
                          std::make_unique<Linear>(config_.dim, config_.mlp_hidden, config_.bias));
  }
  Initialize(seed);
}

absl::StatusOr<Tensor> TransformerBlock::FeedForward(const Tensor& h) {
  VLMLAB_ASSIGN_OR_RETURN(Tensor a, fc1_->Forward(h));  // [B, T, hidden]
  if (config_.style == BlockStyle::kRmsNormSwiGlu) {
    VLMLAB_ASSIGN_OR_RETURN(a, ops::Silu(a));
    VLMLAB_ASSIGN_OR_RETURN(Tensor gate, fc3_->Forward(h));
    VLMLAB_ASSIGN_OR_RETURN(a, ops::Mul(a, gate));
  } else {
    VLMLAB_ASSIGN_OR_RETURN(a, ops::Gelu(a));
  }
  return fc2_->Forward(a);  // [B, T, C]
}

absl::StatusOr<MultiHeadAttention*> TransformerBlock::Attention() const {
  auto* attn = attn_.As<MultiHeadAttention>();
  if (attn == nullptr) {
    return absl::FailedPreconditionError(
        "transformer block: 'attn' was replaced by a module that is not a MultiHeadAttention");
  }
  return attn;
}

absl::StatusOr<LayerKvCache> TransformerBlock::NewCache(int64_t batch, int64_t capacity) const {
  VLMLAB_ASSIGN_OR_RETURN(MultiHeadAttention * attn, Attention());
  return attn->NewCache(batch, capacity);
}

absl::StatusOr<Tensor> TransformerBlock::Run(const Tensor& x, const AttentionInputs& inputs,
                                             uint64_t dropout_seed) {
  const bool drop = config_.dropout > 0 && is_training();
  VLMLAB_ASSIGN_OR_RETURN(MultiHeadAttention * attn, Attention());
  VLMLAB_ASSIGN_OR_RETURN(Tensor h, norm1_->Forward(x));
  VLMLAB_ASSIGN_OR_RETURN(h, attn->Attend(h, Tensor(), inputs));
  if (drop) {
    VLMLAB_ASSIGN_OR_RETURN(h, ops::Dropout(h, config_.dropout, Mix64(dropout_seed)));
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor y, ops::Add(x, h));
  VLMLAB_ASSIGN_OR_RETURN(h, norm2_->Forward(y));
  VLMLAB_ASSIGN_OR_RETURN(h, FeedForward(h));
  if (drop) {
    VLMLAB_ASSIGN_OR_RETURN(h, ops::Dropout(h, config_.dropout, Mix64(dropout_seed + 1)));
  }
  return ops::Add(y, h);
}

}  // namespace vlmlab::nn
