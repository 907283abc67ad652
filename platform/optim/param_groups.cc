#include "platform/optim/param_groups.h"

#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "platform/nn/name_pattern.h"

namespace vlmlab::optim {

absl::StatusOr<std::vector<ParamGroup>> BuildParamGroups(const nn::NamedTensors& params,
                                                         const ParamGroupOptions& options) {
  if (!(options.weight_decay >= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("param groups: weight_decay ", options.weight_decay, " must be >= 0"));
  }
  std::vector<bool> used(options.lr_multipliers.size(), false);
  for (const LrRule& rule : options.lr_multipliers) {
    if (!(rule.multiplier >= 0)) {
      return absl::InvalidArgumentError(absl::StrCat("param groups: lr multiplier ",
                                                     rule.multiplier, " for \"", rule.pattern,
                                                     "\" must be >= 0"));
    }
  }
  std::vector<ParamGroup> groups;
  std::unordered_set<std::string> names;
  for (const auto& [name, tensor] : params) {
    if (!names.insert(name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("param groups: parameter \"", name, "\" appears twice"));
    }
    float multiplier = 1.0f;
    for (size_t r = 0; r < options.lr_multipliers.size(); ++r) {
      if (nn::GlobMatch(options.lr_multipliers[r].pattern, name)) {
        multiplier = options.lr_multipliers[r].multiplier;
        used[r] = true;
        break;
      }
    }
    bool decay = !(options.no_decay_for_1d && tensor.dim() <= 1);
    for (const std::string& pattern : options.no_decay_patterns) {
      if (nn::GlobMatch(pattern, name)) decay = false;
    }
    float weight_decay = decay ? options.weight_decay : 0.0f;
    ParamGroup* group = nullptr;
    for (ParamGroup& g : groups) {
      if (g.lr_multiplier == multiplier && g.weight_decay == weight_decay) group = &g;
    }
    if (group == nullptr) {
      groups.push_back(ParamGroup{{}, multiplier, weight_decay});
      group = &groups.back();
    }
    group->params.emplace_back(name, tensor);
  }
  if (options.error_on_unmatched_pattern) {
    for (size_t r = 0; r < used.size(); ++r) {
      // A rule fully shadowed by earlier ones is fine as long as its pattern matches a name.
      if (used[r]) continue;
      bool matches_any = false;
      for (const auto& [name, tensor] : params) {
        matches_any = matches_any || nn::GlobMatch(options.lr_multipliers[r].pattern, name);
      }
      if (!matches_any) {
        return absl::InvalidArgumentError(absl::StrCat("param groups: lr_multipliers pattern \"",
                                                       options.lr_multipliers[r].pattern,
                                                       "\" matches no parameter"));
      }
    }
  }
  return groups;
}

}  // namespace vlmlab::optim
