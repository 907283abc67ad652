// What the decoder-only LLM plugins (llama, gpt2) share: checking LlmInputs, running the blocks
// with the layer hook and the KV cache, and the cache itself.
//
//   VLMLAB_ASSIGN_OR_RETURN(StackInputs s, CheckLlmInputs("llama", inputs, hidden, max_len));
//   VLMLAB_ASSIGN_OR_RETURN(Tensor h,
//                           RunBlocks("llama", blocks, inputs.embeddings, inputs, s, seed));
//   std::unique_ptr<KvCache> c = NewStackCache(blocks, /*batch=*/4, /*max_len=*/128, this);
//
// Positions: LlmInputs::positions may be i32 [B, T], [T] (shared by the batch) or undefined
// (cache length + 0..T-1); every one must be in [0, max_seq_len). The hook always sees i32
// [B, T]. Segment ids (packed rows) confine each token's causal attention to its own
// segment; they cannot be combined with the cache. The cache holds per layer keys and values
// [B, kv_heads, max_len, head_dim] and is only for inference (under NoGradScope); its length
// advances once the whole Run succeeded.
#ifndef VLMLAB_PLUGINS_LLMS_DECODER_STACK_H_
#define VLMLAB_PLUGINS_LLMS_DECODER_STACK_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "platform/nn/attention_layer.h"
#include "platform/nn/module.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::llms {

// The KV cache of a stack of TransformerBlocks.
struct StackCache : KvCache {
  const void* owner = nullptr;  // the LLM that made it
  int64_t batch = 0;
  int64_t capacity = 0;
  std::vector<nn::LayerKvCache> layers;
};

// LlmInputs after checking.
struct StackInputs {
  Tensor positions;             // i32 [B, T]
  StackCache* cache = nullptr;  // inputs.cache, or nullptr
};

// Checks shapes, positions against max_seq_len, the mask and the cache (made by `owner`).
// Errors start with `name` ("llama: ...").
absl::StatusOr<StackInputs> CheckLlmInputs(absl::string_view name, const LlmInputs& inputs,
                                           int64_t hidden, int64_t max_seq_len, const void* owner);

// Runs the TransformerBlocks of `blocks` (causal self-attention) over `h`, calling the hook
// before each; block i gets dropout seed dropout_seed + 2 * i. Advances the cache on success.
absl::StatusOr<Tensor> RunBlocks(absl::string_view name, const nn::ModuleList& blocks, Tensor h,
                                 const LlmInputs& inputs, const StackInputs& checked,
                                 uint64_t dropout_seed);

// nullptr when batch or max_len is not positive or a block is not a TransformerBlock.
std::unique_ptr<KvCache> NewStackCache(const nn::ModuleList& blocks, int64_t batch, int64_t max_len,
                                       const void* owner);

// Causal attention cost of one sequence of `tokens`: scores and weighted values over the
// tokens * (tokens + 1) / 2 allowed pairs, for `heads` heads of width `head_dim`.
double CausalAttentionFlops(int64_t tokens, int64_t heads, int64_t head_dim);

}  // namespace vlmlab::llms

#endif  // VLMLAB_PLUGINS_LLMS_DECODER_STACK_H_
