// Loading Hugging Face GPT-2 checkpoints (GPT2Model / GPT2LMHeadModel) into the `gpt2` plugin.
//
//   VLMLAB_ASSIGN_OR_RETURN(weights::SafetensorsFile f, weights::ReadCheckpointTensors(dir));
//   VLMLAB_ASSIGN_OR_RETURN(nn::TensorMap state, llms::HfGpt2ToVlmlab(f.tensors, options));
//   VLMLAB_RETURN_IF_ERROR(gpt2->LoadStateDict(state));
//   // or in a spec: llm { gpt2 {...} init { path: "models/gpt2" naming: HF_GPT2 } }
//
// Names, after an optional "transformer." prefix (GPT2LMHeadModel):
//   wte.weight [V, H]                       -> embed.weight (the tied head: lm_head.weight dropped)
//   wpe.weight [P, H]                       -> pos_embed.weight
//   h.N.ln_1.*, h.N.ln_2.*                  -> blocks.N.norm1.*, blocks.N.norm2.*
//   h.N.attn.c_attn.weight [H, 3H] + bias   -> blocks.N.attn.{q,k,v}.*  (split in thirds)
//   h.N.attn.c_proj.weight [H, H] + bias    -> blocks.N.attn.o.*
//   h.N.mlp.c_fc.weight [H, I] + bias       -> blocks.N.fc1.*
//   h.N.mlp.c_proj.weight [I, H] + bias     -> blocks.N.fc2.*
//   ln_f.*                                  -> norm.*
// GPT-2's Conv1D stores weights as [in, out]; they are transposed to nn::Linear's [out, in].
// The attention-mask buffers (h.N.attn.bias, h.N.attn.masked_bias) are skipped; any other
// name is an error listing it. The activation is GELU with the tanh approximation in both
// (GPT-2's gelu_new), and layer_norm_eps defaults to GPT-2's 1e-5, so the forward is the same.
#ifndef VLMLAB_PLUGINS_LLMS_HF_GPT2_NAMES_H_
#define VLMLAB_PLUGINS_LLMS_HF_GPT2_NAMES_H_

#include "absl/status/statusor.h"
#include "platform/nn/module.h"
#include "platform/spec/llms.pb.h"

namespace vlmlab::llms {

absl::StatusOr<nn::TensorMap> HfGpt2ToVlmlab(const nn::TensorMap& hf, const Gpt2Options& options);

}  // namespace vlmlab::llms

#endif  // VLMLAB_PLUGINS_LLMS_HF_GPT2_NAMES_H_
