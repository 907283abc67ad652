// LoRA and DoRA: low-rank adapters on the Linear layers of a frozen module tree.
//
//   LoraConfig c;
//   c.rank = 8;  c.alpha = 16;  c.dora = false;
//   absl::StatusOr<int> n = ApplyLora(model, {"llm.blocks.*.attn.*"}, c);  // wraps q, k, v, o
//   ... train: only *.lora_a / *.lora_b (and *.lora_magnitude for DoRA) get gradients ...
//   absl::StatusOr<int> merged = MergeLora(model);   // plain Linears again, adapters folded in
//
// LoraLinear replaces a Linear in place (Module::ReplaceModule) and keeps the base layer's
// parameter names and tensor handles, so a checkpoint of the base model still loads:
//   weight [out, in], bias [out]    the base layer's tensors, frozen (requires_grad off)
//   lora_a [r, in]                   U(-1/sqrt(in), 1/sqrt(in)) (PyTorch's Kaiming-uniform)
//   lora_b [out, r]                  zeros, so a fresh adapter leaves the output unchanged
//   lora_magnitude [out]             DoRA only: the row norms of weight at wrap time
// LoRA:  y = x W^T + b + s (drop(x) A^T) B^T,  s = alpha / r.
// DoRA:  W' = W + s B A;  g = m / ||W'||_row  (norm of each output row, over the inputs);
//        y = g * (x W'^T) + b without dropout, and with dropout (training, p > 0)
//        y = x W^T + b + (g - 1) * (drop(x) W^T) + g * s (drop(x) A^T) B^T, which is the same
//        function when drop(x) = x (the PEFT formulation). The norm is differentiated through.
// Dropout (training mode only) acts on the adapter input; its mask stream comes from
// (config.seed, the layer's name) and a per-layer call counter.
//
// ApplyLora selects Linear modules by full module name (relative to `root`) with the globs of
// platform/nn/name_pattern.h; no patterns means every Linear. Every pattern must match at least
// one Linear or LoraLinear (else an error naming it). Layers already wrapped are left alone
// and not counted.
// A Linear whose weight is tied to another parameter (same storage) is refused: adapting one
// use would silently change the other after a merge.
#ifndef VLMLAB_PLATFORM_NN_LORA_H_
#define VLMLAB_PLATFORM_NN_LORA_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "platform/nn/linear.h"
#include "platform/nn/module.h"

namespace vlmlab::nn {

struct LoraConfig {
  int64_t rank = 8;
  float alpha = 16;   // scale = alpha / rank
  float dropout = 0;  // on the adapter input, training mode only; in [0, 1)
  bool dora = false;  // weight-decomposed LoRA
  uint64_t seed = 0;  // adapter initialisation and dropout masks (with each layer's name)
  // Module names (relative to the root, globs allowed) never wrapped, e.g. an output head.
  std::vector<std::string> exclude;
};

bool operator==(const LoraConfig& a, const LoraConfig& b);  // every field but `exclude`

class LoraLinear : public Module {
 public:
  // Takes over `base`'s weight and bias handles (same tensors, frozen) and creates the adapter
  // parameters; `init` carries the seed and this layer's name prefix ("llm.blocks.0.attn.q.").
  LoraLinear(const Linear& base, const LoraConfig& config, const ParamInit& init);

  const char* type_name() const override { return "LoraLinear"; }
  absl::StatusOr<Tensor> Forward(const Tensor& x) override;
  // Base weights as Linear does, then fresh adapters (B = 0, magnitude = row norms).
  void ResetParameters(const ParamInit& init) override;

  // The weight a plain Linear computing the same function has (no gradient).
  absl::StatusOr<Tensor> MergedWeight() const;
  // Writes MergedWeight() into the base weight tensor in place and returns a Linear over the
  // base tensors (same handles; their requires_grad unchanged).
  absl::StatusOr<std::unique_ptr<Linear>> Merge() const;

  const LoraConfig& config() const { return config_; }
  float scale() const { return config_.alpha / static_cast<float>(config_.rank); }
  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }
  const Tensor& weight() const { return *weight_; }
  Tensor bias() const { return bias_ ? *bias_ : Tensor(); }
  const Tensor& lora_a() const { return *a_; }
  const Tensor& lora_b() const { return *b_; }
  Tensor magnitude() const { return magnitude_ ? *magnitude_ : Tensor(); }

 private:
  void InitAdapters(const ParamInit& init);
  absl::StatusOr<Tensor> DoraWeight() const;  // W + s B A, differentiable

  LoraConfig config_;
  int64_t in_features_, out_features_;
  ParamRef weight_, bias_, a_, b_, magnitude_;
  uint64_t dropout_seed_ = 0;
  uint64_t calls_ = 0;
};

// The layers ApplyLora selects: modules matching any of `patterns` (all when empty) and none
// of config.exclude, split into plain Linears and those already wrapped. Errors: a pattern
// matching neither (naming it, and what it did match), a root without any, a bad
// rank/alpha/dropout, a selected Linear with a tied weight.
struct LoraTargets {
  std::vector<std::string> to_wrap;  // Linear modules, full names relative to the root
  std::vector<std::string> wrapped;  // LoraLinear modules
};
absl::StatusOr<LoraTargets> FindLoraTargets(const Module& root,
                                            const std::vector<std::string>& patterns,
                                            const LoraConfig& config);

// Wraps FindLoraTargets(...).to_wrap and returns how many were wrapped; errors as there
// (nothing changed).
absl::StatusOr<int> ApplyLora(Module& root, const std::vector<std::string>& patterns,
                              const LoraConfig& config);

// Folds every LoraLinear under `root` into its base weight and puts a plain Linear back.
// Returns how many were merged (0 when there were none).
absl::StatusOr<int> MergeLora(Module& root);

// Names (relative to `root`) of the LoraLinear modules under it.
std::vector<std::string> LoraModuleNames(const Module& root);

}  // namespace vlmlab::nn

#endif  // VLMLAB_PLATFORM_NN_LORA_H_
