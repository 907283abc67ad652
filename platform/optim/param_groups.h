// Parameter groups: which learning-rate multiplier and weight decay each parameter trains with.
//
//   ParamGroupOptions o;
//   o.weight_decay = 0.01f;
//   o.lr_multipliers = {{"encoder.*", 0.1f}, {"*", 1.0f}};    // first match wins (stages.proto)
//   absl::StatusOr<std::vector<ParamGroup>> groups = BuildParamGroups(model.NamedParameters(), o);
//
// Rules:
// - A parameter's multiplier comes from the first lr_multipliers pattern (glob, see
//   platform/nn/name_pattern.h) matching its full name; 1 when none does. A pattern that
//   matches no parameter is an error by default (it is almost always a typo).
// - No weight decay for parameters of rank <= 1 (biases, LayerNorm/RMSNorm weights, scales)
//   when no_decay_for_1d (the default, as in most LLM recipes), nor for names matching a
//   no_decay_patterns glob (e.g. "*.pos_embed", "*embed_tokens*"); the others get weight_decay.
// - Frozen parameters are kept in their group: optimizers skip any parameter without a gradient
//   and give it no state, so unfreezing later in a stage just works.
// - Groups are one per distinct (multiplier, weight decay), in order of first appearance;
//   parameters keep their input order inside a group.
#ifndef VLMLAB_PLATFORM_OPTIM_PARAM_GROUPS_H_
#define VLMLAB_PLATFORM_OPTIM_PARAM_GROUPS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/nn/module.h"

namespace vlmlab::optim {

struct ParamGroup {
  nn::NamedTensors params;
  float lr_multiplier = 1.0f;  // the group trains at lr * lr_multiplier
  float weight_decay = 0.0f;   // decoupled (AdamW) or L2 (SGD)
};

struct LrRule {
  std::string pattern;
  float multiplier = 1.0f;
};

struct ParamGroupOptions {
  float weight_decay = 0.0f;
  std::vector<LrRule> lr_multipliers;
  bool no_decay_for_1d = true;
  std::vector<std::string> no_decay_patterns;
  bool error_on_unmatched_pattern = true;
};

// Errors: duplicate parameter names, negative multipliers or decay, unmatched patterns.
absl::StatusOr<std::vector<ParamGroup>> BuildParamGroups(const nn::NamedTensors& params,
                                                         const ParamGroupOptions& options);

}  // namespace vlmlab::optim

#endif  // VLMLAB_PLATFORM_OPTIM_PARAM_GROUPS_H_
