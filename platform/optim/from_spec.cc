#include "platform/optim/from_spec.h"

#include "absl/strings/str_cat.h"

namespace vlmlab::optim {

ParamGroupOptions ParamGroupOptionsFromSpec(const OptimizerSpec& spec, ParamGroupOptions base) {
  base.weight_decay = spec.weight_decay();
  base.lr_multipliers.clear();
  for (const LrMultiplier& m : spec.lr_multipliers()) {
    base.lr_multipliers.push_back({m.pattern(), m.multiplier()});
  }
  return base;
}

absl::StatusOr<std::unique_ptr<Optimizer>> BuildOptimizer(const OptimizerSpec& spec,
                                                          const nn::NamedTensors& params,
                                                          const ParamGroupOptions& base) {
  absl::StatusOr<std::vector<ParamGroup>> groups =
      BuildParamGroups(params, ParamGroupOptionsFromSpec(spec, base));
  if (!groups.ok()) return groups.status();
  switch (spec.kind()) {
    case OptimizerSpec::ADAMW: {
      AdamWOptions o;
      o.beta1 = spec.beta1();
      o.beta2 = spec.beta2();
      o.eps = spec.eps();
      absl::StatusOr<std::unique_ptr<AdamW>> opt = AdamW::Create(*std::move(groups), o);
      if (!opt.ok()) return opt.status();
      return std::unique_ptr<Optimizer>(std::move(*opt));
    }
    case OptimizerSpec::SGD: {
      SgdOptions o;
      o.momentum = spec.momentum();
      absl::StatusOr<std::unique_ptr<Sgd>> opt = Sgd::Create(*std::move(groups), o);
      if (!opt.ok()) return opt.status();
      return std::unique_ptr<Optimizer>(std::move(*opt));
    }
  }
  return absl::InvalidArgumentError(absl::StrCat("optimizer kind ", spec.kind()));
}

Schedule ScheduleFromSpec(const ScheduleSpec& spec, double peak_lr, int64_t total_steps) {
  Schedule s;
  switch (spec.kind()) {
    case ScheduleSpec::CONSTANT:
      s.kind = ScheduleKind::kConstant;
      break;
    case ScheduleSpec::LINEAR:
      s.kind = ScheduleKind::kLinear;
      break;
    case ScheduleSpec::COSINE:
      s.kind = ScheduleKind::kCosine;
      break;
  }
  s.peak_lr = peak_lr;
  s.warmup_steps = spec.warmup_steps();
  s.total_steps = total_steps;
  s.min_lr_ratio = spec.min_lr_ratio();
  return s;
}

}  // namespace vlmlab::optim
