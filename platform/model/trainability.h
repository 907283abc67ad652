// Applies a stage's TrainabilitySpec (platform/spec/stages.proto) to a VlmModel: which parts
// train fully, stay frozen, or train through LoRA / DoRA adapters.
//
//   absl::StatusOr<TrainabilityReport> r = ApplyTrainability(model, stage.trainable(), seed);
//   // then build the optimizer from the trainable parameters only:
//   auto opt = optim::BuildOptimizer(stage.optimizer(), model.NamedParameters(true));
//
// Semantics (each stage's spec alone decides; nothing carries over implicitly):
// - Parts: encoder ("encoder.*"), projector ("projector.*"), fusion ("fusion.*"), llm
//   ("llm.*" except the embeddings) and embeddings: the LLM's token-embedding table and its
//   output head, found by type: the parameters of every nn::Embedding under "llm" with
//   vocab_size rows (position tables, named "*pos*", excepted), and of every Linear (or
//   LoraLinear) under "llm" with vocab_size outputs. For the llama and gpt2 plugins that is
//   llm.embed.weight and, when untied, llm.head.weight (EmbeddingParameterNames() lists them).
// - An unset part is FULL (as is `mode`'s default). Unset embeddings follow the llm: FULL when
//   the llm is FULL, FROZEN when it is FROZEN or LORA. Set embeddings: FULL or FROZEN (LORA is
//   an error: there is no low-rank adapter for an embedding table).
// - FULL: every parameter of the part requires a gradient. FROZEN: none does (gradients are
//   dropped; no gradient is computed for them, the optimizer gives them no state and never
//   changes them, weight decay included).
// - LORA: the part's base parameters are frozen and its Linear layers matching
//   lora.target_modules (globs over module names, either full "llm.blocks.*.attn.q" or
//   relative to the part "blocks.*.attn.q"; empty = every Linear of the part except the
//   output head) are wrapped by LoRA (or DoRA) adapters (platform/nn/lora.h), which train.
// - Adapters from an earlier stage: kept (and trained on) when the new LORA spec selects
//   exactly the same layers with the same rank, alpha, dropout and dora; otherwise, and
//   whenever the part is now FULL or FROZEN, they are first merged into the base weights
//   (plain Linears again, names unchanged) and fresh adapters are made where asked.
// - Errors (the spec field at fault; checked before anything changes): a LORA target matching
//   no Linear, LORA on a part without Linear layers, LORA on embeddings, embeddings set but
//   not found, a LORA target whose weight is tied.
#ifndef VLMLAB_PLATFORM_MODEL_TRAINABILITY_H_
#define VLMLAB_PLATFORM_MODEL_TRAINABILITY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/model/vlm_model.h"
#include "platform/spec/stages.pb.h"

namespace vlmlab {

struct PartTrainability {
  std::string part;  // "encoder", "projector", "fusion", "llm", "embeddings"
  ModuleTraining::Mode mode = ModuleTraining::FULL;
  int64_t parameters = 0;            // elements in the part (adapters included)
  int64_t trainable_parameters = 0;  // of those, requires_grad
  int lora_modules = 0;              // LoraLinear layers in the part
};

struct TrainabilityReport {
  std::vector<PartTrainability> parts;  // in the order above
  std::vector<std::string> trainable;   // full parameter names
  std::vector<std::string> frozen;
  // e.g. "encoder FROZEN 0/1234; projector FULL 560/560; ...; llm LORA 2048/90112 (8 lora)"
  std::string ToString() const;
};

absl::StatusOr<TrainabilityReport> ApplyTrainability(VlmModel& model, const TrainabilitySpec& spec,
                                                     uint64_t seed);

// Full names of the LLM's token-embedding and output-head parameters (see above); tied
// weights appear once, under their first name.
std::vector<std::string> EmbeddingParameterNames(const VlmModel& model);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_MODEL_TRAINABILITY_H_
