// Transformer blocks in the two styles vlmlab's encoders and LLMs use:
//   kPreLnGelu:      x + Attn(LN(x)); x + MLP_gelu(LN(x))               (ViT, GPT-2)
//   kRmsNormSwiGlu:  x + Attn(RMS(x)); x + W2(silu(W1 RMS(x)) * W3 RMS(x))  (Llama)
//
//   BlockConfig c{.dim = 256, .heads = 4, .kv_heads = 2, .mlp_hidden = 688,
//                 .style = BlockStyle::kRmsNormSwiGlu, .rope_theta = 10000};
//   TransformerBlock block(c, /*seed=*/1);
//   absl::StatusOr<Tensor> y = block.Run(x, {.causal = true, .positions = pos});
//
// Children: "norm1", "attn" (q, k, v, o), "norm2", "fc1", "fc2" and, for SwiGLU, "fc3":
// fc2(act(fc1 h)) for GELU and fc2(silu(fc1 h) * fc3 h) for SwiGLU (fc1 = gate, fc3 = up,
// fc2 = down in Hugging Face Llama terms).
// With config.dropout > 0 and in training mode, both residual branches go through dropout
// whose masks depend only on the `dropout_seed` passed to Run (two streams derived from it).
// Incremental decoding: NewCache() and AttentionInputs::kv_cache (attention_layer.h).
#ifndef VLMLAB_PLATFORM_NN_TRANSFORMER_BLOCK_H_
#define VLMLAB_PLATFORM_NN_TRANSFORMER_BLOCK_H_

#include <cstdint>

#include "platform/nn/attention_layer.h"
#include "platform/nn/module.h"

namespace vlmlab::nn {

enum class BlockStyle { kPreLnGelu, kRmsNormSwiGlu };

struct BlockConfig {
  int64_t dim = 0;
  int64_t heads = 1;
  int64_t kv_heads = 0;    // 0 = heads
  int64_t mlp_hidden = 0;  // 0 = 4 * dim
  BlockStyle style = BlockStyle::kPreLnGelu;
  float rope_theta = 0;  // > 0: RoPE in attention
  bool bias = true;      // projection biases (ViT/GPT-2 style); Llama uses none
  float norm_eps = 1e-5f;
  float dropout = 0;  // on both residual branches, in training mode; [0, 1)
};

class TransformerBlock : public Module {
 public:
  explicit TransformerBlock(const BlockConfig& config, uint64_t seed = 0);
  const char* type_name() const override { return "TransformerBlock"; }
  absl::StatusOr<Tensor> Run(const Tensor& x, const AttentionInputs& inputs,
                             uint64_t dropout_seed = 0);
  absl::StatusOr<Tensor> Forward(const Tensor& x) override { return Run(x, {}); }
  // A KV cache for this block's self-attention (see AttentionInputs::kv_cache).
  absl::StatusOr<LayerKvCache> NewCache(int64_t batch, int64_t capacity) const;
  const BlockConfig& config() const { return config_; }

 private:
  absl::StatusOr<Tensor> FeedForward(const Tensor& h);
  absl::StatusOr<MultiHeadAttention*> Attention() const;

  BlockConfig config_;
  Submodule norm1_, attn_, norm2_, fc1_, fc2_, fc3_;
};

}  // namespace vlmlab::nn

#endif  // VLMLAB_PLATFORM_NN_TRANSFORMER_BLOCK_H_
