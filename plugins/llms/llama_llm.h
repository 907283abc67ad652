// `llama`: a Llama-family decoder-only LLM (RMSNorm, RoPE, SwiGLU, grouped-query attention, no
// biases), registered as the llm plugin "llama"; this header lets code build one directly
// (tests, checkpoint import).
//
//   LlamaOptions o;  o.set_hidden(192);  o.set_layers(4);  o.set_heads(6);  o.set_kv_heads(2);
//   std::unique_ptr<Llm> llm = NewLlamaLlm(o);
//   VLMLAB_RETURN_IF_ERROR(llm->Build(/*vocab_size=*/264));
//   llm->Initialize(seed);
//   Tensor h = llm->Embed(ids).value();                           // i32 [B, T] -> [B, T, H]
//   Tensor y = llm->Run({.embeddings = h, .positions = pos}).value();
//   Tensor logits = llm->Logits(y).value();                        // [B, T, V]
//
// Parameter names (prefixed "llm." inside a model):
//   embed.weight                               [V, H] token embedding
//   blocks.N.norm1.weight                      [H] RMSNorm before attention
//   blocks.N.attn.{q,k,v,o}.weight             q, o: [H, H]; k, v: [kv_heads * head_dim, H]
//   blocks.N.norm2.weight                      [H] RMSNorm before the MLP
//   blocks.N.fc1.weight, blocks.N.fc3.weight   [I, H] SwiGLU gate (silu) and up
//   blocks.N.fc2.weight                        [H, I] down
//   norm.weight                                [H] final RMSNorm
//   head.weight                                [V, H] output head (only when untied; tied
//                                              heads reuse embed.weight)
// RoPE rotates interleaved pairs (x[2i], x[2i+1]) of each head (platform/ops/rope_ops.h); see
// hf_llama_names.h for loading Hugging Face checkpoints, which pair x[i] with x[i + d/2].
#ifndef VLMLAB_PLUGINS_LLMS_LLAMA_LLM_H_
#define VLMLAB_PLUGINS_LLMS_LLAMA_LLM_H_

#include <cstdint>
#include <memory>

#include "platform/plugin_api/model_plugins.h"
#include "platform/spec/llms.pb.h"

namespace vlmlab::llms {

// Cheap: no parameters until Build. Options are assumed validated (ValidateLlamaOptions).
std::unique_ptr<Llm> NewLlamaLlm(const LlamaOptions& options);

// The SwiGLU width the options give: intermediate, or 8/3 * hidden rounded up to 64.
int64_t LlamaIntermediate(const LlamaOptions& options);

}  // namespace vlmlab::llms

#endif  // VLMLAB_PLUGINS_LLMS_LLAMA_LLM_H_
