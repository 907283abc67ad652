// Multi-head attention: self-attention or cross-attention (keys and values from a context of
// another length and width), grouped-query heads, optional RoPE on queries and keys.
//
//   AttentionConfig c{.dim = 256, .heads = 8, .kv_heads = 2, .rope_theta = 10000};
//   MultiHeadAttention attn(c);                       // q, k, v, o projections
//   AttentionInputs in{.causal = true, .positions = pos};   // pos: i32 [T]
//   absl::StatusOr<Tensor> y = attn.Attend(x, Tensor(), in);  // x [B, T, 256] -> [B, T, 256]
//   absl::StatusOr<Tensor> z = attn.Attend(x, image_tokens, {}); // cross-attention
#ifndef VLMLAB_PLATFORM_NN_ATTENTION_LAYER_H_
#define VLMLAB_PLATFORM_NN_ATTENTION_LAYER_H_

#include <cstdint>

#include "platform/nn/module.h"

namespace vlmlab::nn {

struct AttentionConfig {
  int64_t dim = 0;          // query width (and output width)
  int64_t heads = 1;        // query heads; divides dim
  int64_t kv_heads = 0;     // key/value heads (GQA); 0 = heads; divides heads
  int64_t context_dim = 0;  // key/value input width for cross-attention; 0 = dim
  bool bias = false;        // biases on the projections
  float rope_theta = 0;     // > 0: rotary embeddings on q and k (self-attention)
};

struct AttentionInputs {
  bool causal = false;
  Tensor positions;         // i32 [T] or [B, T]; needed when rope_theta > 0
  Tensor key_padding_mask;  // i32 [B, Tk], nonzero = attend
  Tensor mask;              // i32 [Tq, Tk] or [B or 1, H or 1, Tq, Tk]
};

class MultiHeadAttention : public Module {
 public:
  explicit MultiHeadAttention(const AttentionConfig& config, uint64_t seed = 0);
  const char* type_name() const override { return "MultiHeadAttention"; }
  // Self-attention when `context` is undefined.
  absl::StatusOr<Tensor> Attend(const Tensor& x, const Tensor& context,
                                const AttentionInputs& inputs);
  absl::StatusOr<Tensor> Forward(const Tensor& x) override { return Attend(x, Tensor(), {}); }
  const AttentionConfig& config() const { return config_; }

 private:
  AttentionConfig config_;
  Submodule q_, k_, v_, o_;
};

}  // namespace vlmlab::nn

#endif  // VLMLAB_PLATFORM_NN_ATTENTION_LAYER_H_
