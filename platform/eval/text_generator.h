// Text-only generation for models that read, not see: the LLM judge. Two kinds of judge:
// a whole VLM (an experiment's model, asked without images) or a bare LLM plugin with its
// tokenizer. Prompts go through the chat template as one user turn; replies are decoded and
// cut as GenerateReplies does (platform/eval/eval_batches.h). A prompt longer than the model's
// max_seq_len is an error (a judge must read the whole candidate).
//
//   VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<TextGenerator> judge,
//                           LoadLlmGenerator(options.judge(), tokenizer_slot, "judge.safetensors",
//                                            registries, /*seed=*/0));
//   VLMLAB_ASSIGN_OR_RETURN(std::vector<std::string> replies,
//                           judge->Generate(prompts, generation, /*batch_size=*/8, /*seed=*/0));
#ifndef VLMLAB_PLATFORM_EVAL_TEXT_GENERATOR_H_
#define VLMLAB_PLATFORM_EVAL_TEXT_GENERATOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/model/vlm_model.h"
#include "platform/plugin_api/registry.h"
#include "platform/spec/evaluators.pb.h"
#include "platform/spec/llms.pb.h"
#include "platform/spec/tokenizers.pb.h"

namespace vlmlab::eval {

class TextGenerator {
 public:
  virtual ~TextGenerator() = default;
  // One reply per user prompt, in batches of `batch_size` (left-padded, KV-cached).
  virtual absl::StatusOr<std::vector<std::string>> Generate(
      const std::vector<std::string>& prompts, const GenerationSpec& generation, int batch_size,
      uint64_t seed) = 0;
};

// A VLM asked without images.
std::unique_ptr<TextGenerator> VlmTextGenerator(std::unique_ptr<VlmModel> model);

// The LLM of `llm` (vocabulary resolved against the tokenizer of `tokenizer`, byte when unset)
// with the parameters of the safetensors file `weights_path`: named as the LLM's own
// parameters ("embed.weight", ...) or as in a vlmlab checkpoint ("llm.embed.weight", ...).
// Loading is strict; errors name the file.
absl::StatusOr<std::unique_ptr<TextGenerator>> LoadLlmGenerator(
    const LlmSlot& llm, const TokenizerSlot& tokenizer, const std::string& weights_path,
    const PluginRegistries& registries, uint64_t seed);

}  // namespace vlmlab::eval

#endif  // VLMLAB_PLATFORM_EVAL_TEXT_GENERATOR_H_
