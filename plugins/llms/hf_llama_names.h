// Loading Hugging Face Llama-family checkpoints (Llama, SmolLM2, TinyLlama, Mistral without a
// sliding window) into the `llama` plugin: config.json fields to LlamaOptions, and tensor names
// (with the RoPE row permutation of q and k) to the plugin's parameter names.
//
//   VLMLAB_ASSIGN_OR_RETURN(HfLlamaCheckpoint ckpt, ReadHfLlamaCheckpoint("/models/SmolLM2"));
//   std::unique_ptr<Llm> llm = NewLlamaLlm(ckpt.options);
//   VLMLAB_RETURN_IF_ERROR(llm->Build(ckpt.options.vocab_size()));
//   VLMLAB_RETURN_IF_ERROR(llm->LoadStateDict(ckpt.state));   // names as in llama_llm.h
//   // Inside a model, prefix every name with "llm." first.
//
// Names (N = layer):
//   model.embed_tokens.weight                     -> embed.weight
//   model.layers.N.input_layernorm.weight         -> blocks.N.norm1.weight
//   model.layers.N.self_attn.q_proj.weight        -> blocks.N.attn.q.weight   (rows permuted)
//   model.layers.N.self_attn.k_proj.weight        -> blocks.N.attn.k.weight   (rows permuted)
//   model.layers.N.self_attn.v_proj.weight        -> blocks.N.attn.v.weight
//   model.layers.N.self_attn.o_proj.weight        -> blocks.N.attn.o.weight
//   model.layers.N.post_attention_layernorm.weight -> blocks.N.norm2.weight
//   model.layers.N.mlp.gate_proj.weight           -> blocks.N.fc1.weight
//   model.layers.N.mlp.up_proj.weight             -> blocks.N.fc3.weight
//   model.layers.N.mlp.down_proj.weight           -> blocks.N.fc2.weight
//   model.norm.weight                             -> norm.weight
//   lm_head.weight                                -> head.weight (dropped when tied)
// `*.rotary_emb.inv_freq` buffers are ignored; any other name is an error.
//
// RoPE convention: vlmlab's ops::Rope rotates interleaved pairs (x[2i], x[2i+1]) of each head
// by position * theta^(-2i/d); Hugging Face's rotate_half rotates (x[i], x[i + d/2]) by the same
// angle. Attention scores only depend on q.k, so permuting the output rows of q_proj and k_proj
// within every head, ours[2i] = hf[i] and ours[2i+1] = hf[i + d/2], makes the two identical.
#ifndef VLMLAB_PLUGINS_LLMS_HF_LLAMA_NAMES_H_
#define VLMLAB_PLUGINS_LLMS_HF_LLAMA_NAMES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "platform/nn/module.h"
#include "platform/spec/llms.pb.h"

namespace vlmlab::llms {

// config.json text to options. Required: hidden_size, num_hidden_layers, num_attention_heads,
// intermediate_size, vocab_size. Defaults as in transformers' LlamaConfig: num_key_value_heads
// = num_attention_heads, rope_theta 10000, rms_norm_eps 1e-6, tie_word_embeddings false,
// max_position_embeddings 2048. Unsupported features (rope_scaling, biases, another activation,
// a sliding window, a head_dim other than hidden / heads) are errors. `source` names the file
// in errors.
absl::StatusOr<LlamaOptions> LlamaOptionsFromHfConfig(absl::string_view json_text,
                                                      absl::string_view source = "config.json");
absl::StatusOr<LlamaOptions> ReadHfLlamaConfig(const std::string& path);

// Hugging Face tensors to the llama plugin's state dict (shapes are checked by LoadStateDict).
absl::StatusOr<nn::TensorMap> HfLlamaToVlmlab(const nn::TensorMap& hf, const LlamaOptions& options);
// The inverse, for exporting a trained llama in Hugging Face layout (lm_head.weight only when
// untied).
absl::StatusOr<nn::TensorMap> VlmlabToHfLlama(const nn::TensorMap& state,
                                              const LlamaOptions& options);

struct HfLlamaCheckpoint {
  LlamaOptions options;
  nn::TensorMap state;             // llama plugin names
  std::vector<std::string> notes;  // dtype conversions made while reading
};

// A checkpoint directory: config.json plus model.safetensors, or model.safetensors.index.json
// and the shards its weight_map names.
absl::StatusOr<HfLlamaCheckpoint> ReadHfLlamaCheckpoint(const std::string& dir);

}  // namespace vlmlab::llms

#endif  // VLMLAB_PLUGINS_LLMS_HF_LLAMA_NAMES_H_
