// `gpt2`: a GPT-2 style decoder-only LLM (pre-LayerNorm blocks with biases, GELU MLP, learned
// absolute positions, output head tied to the token embedding), registered as the llm plugin
// "gpt2"; this header lets code build one directly.
//
//   Gpt2Options o;  o.set_hidden(128);  o.set_layers(2);  o.set_heads(4);
//   std::unique_ptr<Llm> llm = NewGpt2Llm(o, /*seed=*/1);   // seed: dropout masks
//   VLMLAB_RETURN_IF_ERROR(llm->Build(/*vocab_size=*/264));
//   llm->Initialize(seed);
//   Tensor y = llm->Run({.embeddings = llm->Embed(ids).value(), .positions = pos}).value();
//
// Embed gives token embeddings only; Run adds the position table at LlmInputs::positions
// (which must be < max_seq_len) before the first block.
// Parameter names (prefixed "llm." inside a model):
//   embed.weight       [V, H] token embedding (also the output head)
//   pos_embed.weight   [max_seq_len, H] learned positions
//   blocks.N.{norm1,norm2}.{weight,bias}, blocks.N.attn.{q,k,v,o}.{weight,bias},
//   blocks.N.fc1.{weight,bias} [I, H], blocks.N.fc2.{weight,bias} [H, I]   (I = mlp_ratio * H)
//   norm.{weight,bias} final LayerNorm
// Dropout (option `dropout`) acts on both residual branches of every block in training mode;
// each training Run draws fresh masks from (seed, number of training Runs so far).
#ifndef VLMLAB_PLUGINS_LLMS_GPT2_LLM_H_
#define VLMLAB_PLUGINS_LLMS_GPT2_LLM_H_

#include <cstdint>
#include <memory>

#include "platform/plugin_api/model_plugins.h"
#include "platform/spec/llms.pb.h"

namespace vlmlab::llms {

std::unique_ptr<Llm> NewGpt2Llm(const Gpt2Options& options, uint64_t seed = 0);

}  // namespace vlmlab::llms

#endif  // VLMLAB_PLUGINS_LLMS_GPT2_LLM_H_
