// Multi-head attention: self-attention or cross-attention (keys and values from a context of
// another length and width), grouped-query heads, optional RoPE on queries and keys.
//
//   AttentionConfig c{.dim = 256, .heads = 8, .kv_heads = 2, .rope_theta = 10000};
//   MultiHeadAttention attn(c);                       // q, k, v, o projections
//   AttentionInputs in{.causal = true, .positions = pos};   // pos: i32 [T]
//   absl::StatusOr<Tensor> y = attn.Attend(x, Tensor(), in);  // x [B, T, 256] -> [B, T, 256]
//   absl::StatusOr<Tensor> z = attn.Attend(x, image_tokens, {}); // cross-attention
//
// Incremental decoding (self-attention, inference only, under NoGradScope):
//   LayerKvCache cache = attn.NewCache(/*batch=*/B, /*capacity=*/64);
//   in.kv_cache = &cache;  in.cache_length = 0;     // prefill: T0 tokens
//   attn.Attend(prompt, Tensor(), in);              // writes keys/values at [0, T0)
//   in.cache_length = T0;  in.positions = next_pos; // then one token at a time
//   attn.Attend(token, Tensor(), in);               // attends to [0, T0 + 1)
// The caller owns the cache length: a failed step leaves it unchanged and can be retried.
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

// Keys (after RoPE) and values of one self-attention layer for incremental decoding.
struct LayerKvCache {
  Tensor keys;    // [B, kv_heads, capacity, head_dim]
  Tensor values;  // [B, kv_heads, capacity, head_dim]
  int64_t capacity() const { return keys.defined() ? keys.size(2) : 0; }
};

struct AttentionInputs {
  bool causal = false;
  Tensor positions;         // i32 [T] or [B, T]; needed when rope_theta > 0
  Tensor key_padding_mask;  // i32 [B, Tk], nonzero = attend (Tk = cache_length + T with a cache)
  Tensor mask;              // i32 [Tq, Tk] or [B or 1, H or 1, Tq, Tk]
  // i32 [B, Tk] (self-attention): each query attends only keys of its own segment (the
  // samples of a packed row); see ops::AttentionOptions::segment_ids.
  Tensor segment_ids;
  // Set (self-attention only, with autograd off): this call's keys and values are written at
  // positions [cache_length, cache_length + T) of the cache and the queries attend to the keys
  // at [0, cache_length + T). `causal` is then aligned to the end of the keys.
  LayerKvCache* kv_cache = nullptr;
  int64_t cache_length = 0;  // positions already in kv_cache
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
  // A zeroed cache for `batch` sequences of up to `capacity` positions, in the dtype and on the
  // device of the key projection's weight.
  absl::StatusOr<LayerKvCache> NewCache(int64_t batch, int64_t capacity) const;

 private:
  AttentionConfig config_;
  Submodule q_, k_, v_, o_;
};

}  // namespace vlmlab::nn

#endif  // VLMLAB_PLATFORM_NN_ATTENTION_LAYER_H_
