// Test helpers for the LLM plugin tests: tiny configurations, parameters set to random values
// large enough that logits and gradients are far from zero, and the logits of a token batch.
#ifndef VLMLAB_PLUGINS_LLMS_LLM_TEST_UTIL_H_
#define VLMLAB_PLUGINS_LLMS_LLM_TEST_UTIL_H_

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "glog/logging.h"
#include "platform/base/status_macros.h"
#include "platform/nn/init.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/spec/llms.pb.h"
#include "plugins/llms/gpt2_llm.h"
#include "plugins/llms/llama_llm.h"

namespace vlmlab::llms::testing {

inline constexpr int64_t kVocab = 11;

// hidden 16, 2 layers, 4 heads, 2 kv heads, SwiGLU width 24, max_seq_len 32.
inline LlamaOptions TinyLlamaOptions(bool tie = true) {
  LlamaOptions o;
  o.set_hidden(16);
  o.set_layers(2);
  o.set_heads(4);
  o.set_kv_heads(2);
  o.set_intermediate(24);
  o.set_max_seq_len(32);
  o.set_tie_embeddings(tie);
  return o;
}

// hidden 16, 2 layers, 4 heads, MLP 64, max_seq_len 32.
inline Gpt2Options TinyGpt2Options() {
  Gpt2Options o;
  o.set_hidden(16);
  o.set_layers(2);
  o.set_heads(4);
  o.set_max_seq_len(32);
  return o;
}

// Matrices ~ N(0, 0.4^2) (the embedding N(0, 1)), biases ~ N(0, 0.1^2), norm weights 1 +
// N(0, 0.1^2): outputs and gradients of order one, unlike the small default initialisation.
inline void Randomize(nn::Module& m, uint64_t seed) {
  int i = 0;
  for (const auto& [name, t] : m.NamedParameters()) {
    const uint64_t s = seed * 1000 + i++;
    Tensor value;
    if (absl::StrContains(name, "norm")) {
      value = Tensor::RandN(t.shape(), s, 0.1f);
      if (absl::EndsWith(name, "weight")) {
        std::vector<float> v = value.ToVector();
        for (float& x : v) x += 1.0f;
        value = Tensor::FromVector(t.shape(), v);
      }
    } else if (t.dim() == 1) {
      value = Tensor::RandN(t.shape(), s, 0.1f);
    } else {
      value = Tensor::RandN(t.shape(), s, absl::StrContains(name, "embed") ? 1.0f : 0.4f);
    }
    CHECK(nn::AssignValues(t, value).ok()) << name;
  }
}

inline std::unique_ptr<Llm> BuiltLlama(const LlamaOptions& o, uint64_t seed = 3) {
  std::unique_ptr<Llm> llm = NewLlamaLlm(o);
  CHECK(llm->Build(kVocab).ok());
  Randomize(*llm, seed);
  return llm;
}

inline std::unique_ptr<Llm> BuiltGpt2(const Gpt2Options& o, uint64_t seed = 3) {
  std::unique_ptr<Llm> llm = NewGpt2Llm(o, seed);
  CHECK(llm->Build(kVocab).ok());
  Randomize(*llm, seed);
  return llm;
}

// Embed + Run + Logits: i32 [B, T] -> [B, T, V].
inline absl::StatusOr<Tensor> TokenLogits(Llm& llm, const Tensor& ids, const Tensor& positions,
                                          const Tensor& mask = Tensor(),
                                          const LayerHook* hook = nullptr) {
  VLMLAB_ASSIGN_OR_RETURN(Tensor x, llm.Embed(ids));
  LlmInputs in;
  in.embeddings = x;
  in.positions = positions;
  in.key_padding_mask = mask;
  in.hook = hook;
  VLMLAB_ASSIGN_OR_RETURN(Tensor h, llm.Run(in));
  return llm.Logits(h);
}

}  // namespace vlmlab::llms::testing

#endif  // VLMLAB_PLUGINS_LLMS_LLM_TEST_UTIL_H_
