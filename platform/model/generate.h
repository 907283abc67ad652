// Text generation from any Llm plugin: greedy, sampling (temperature, top-k, top-p; seeded and
// deterministic) and beam search, over a batch of left-padded prefixes given as embeddings
// (so a VLM passes its fused sequence, images already merged, and its fusion's layer hook).
//
//   GenerationOptions opt;
//   opt.max_new_tokens = 32;
//   opt.stop_token_ids = {tokenizer.eos_id()};
//   // prefix: f32 [B, T, H] (e.g. llm.Embed(ids) or a FusedSequence's embeddings)
//   // mask:   i32 [B, T], 1 = real token; padding on the left only
//   absl::StatusOr<std::vector<GeneratedSequence>> out =
//       Generate(llm, prefix, mask, &fused.hook, opt);
//   (*out)[0].tokens;  (*out)[0].log_probs;  (*out)[0].finish;
//
// How it runs: under NoGradScope with the LLM in eval mode (its train/eval mode is restored
// after). Positions come from the mask: a sample's real tokens get 0, 1, 2, ... and each new
// token the next position, so a left-padded sample generates exactly as it would alone. The
// prefix goes through Llm::Run once with a KV cache; then one token per step. A finished
// sample keeps being fed (a masked-out dummy token) until the whole batch is done. The layer
// hook sees every call's absolute positions ([B, T] for the prefix, [B, 1] per step).
// Beam search (num_beams > 1) recomputes the whole sequence every step without a cache (the
// KV cache layout is private to each LLM, so beams cannot be reordered in it): fine for the
// short answers of evaluation, quadratic in the answer length.
#ifndef VLMLAB_PLATFORM_MODEL_GENERATE_H_
#define VLMLAB_PLATFORM_MODEL_GENERATE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

struct GenerationOptions {
  int max_new_tokens = 32;              // > 0; the stop token counts as one
  std::vector<int32_t> stop_token_ids;  // any of them ends a sample (it is not in `tokens`)
  // Sampling (else greedy): from softmax(logits / temperature) restricted to the top_k most
  // likely tokens (0 = all) and to the smallest set whose probability reaches top_p (1 = all).
  bool sample = false;
  float temperature = 1.0f;  // > 0
  int top_k = 0;             // >= 0
  float top_p = 1.0f;        // in (0, 1]
  uint64_t seed = 0;         // sample b, step s draws uniform (seed, b, s): deterministic
  // Beam search (greedy only, sample = false): keeps num_beams hypotheses per sample and
  // returns the one with the best sum of log-probs / (generated tokens ^ length_penalty).
  int num_beams = 1;
  float length_penalty = 1.0f;
  // false: recompute the whole sequence each step instead of using the KV cache (slow; for
  // checks, and for LLMs without a cache).
  bool use_cache = true;
};

enum class FinishReason {
  kStopToken,  // produced one of stop_token_ids
  kMaxTokens,  // produced max_new_tokens tokens
  kMaxLength,  // the next position would reach the LLM's max_seq_len
};

const char* FinishReasonName(FinishReason reason);  // "stop_token", "max_tokens", "max_length"

struct GeneratedSequence {
  std::vector<int32_t> tokens;  // generated ids, the stop token excluded
  // log p(token | everything before) under the model's own distribution (log-softmax of the
  // logits, before temperature and filtering), one per entry of `tokens`.
  std::vector<float> log_probs;
  int32_t stop_token = -1;  // the stop token when finish == kStopToken, else -1
  float stop_log_prob = 0;  // its log-prob
  FinishReason finish = FinishReason::kMaxTokens;
  // Sum of the log-probs, stop token included (beam search: divided by the length penalty).
  float score = 0;
};

// prefix: f32 [B, T, H]; prefix_mask: i32 [B, T] with left padding (undefined = no padding);
// hook: nullptr or empty for none. Errors name the argument or option at fault.
absl::StatusOr<std::vector<GeneratedSequence>> Generate(Llm& llm, const Tensor& prefix,
                                                        const Tensor& prefix_mask,
                                                        const LayerHook* hook,
                                                        const GenerationOptions& options);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_MODEL_GENERATE_H_
