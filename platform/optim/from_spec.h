// Builds optimizers and schedules from a stage's OptimizerSpec and ScheduleSpec
// (platform/spec/stages.proto).
//
//   absl::StatusOr<std::unique_ptr<Optimizer>> opt =
//       BuildOptimizer(stage.optimizer(), model.NamedParameters());
//   Schedule schedule = ScheduleFromSpec(stage.schedule(), stage.optimizer().lr(), stage.steps());
//   ... opt.value()->Step(LearningRate(schedule, step));
//
// Weight decay follows ParamGroupOptions' rules (no decay for rank <= 1 parameters); pass
// `base` to change them. The spec's lr_multipliers replace base.lr_multipliers and its
// weight_decay replaces base.weight_decay.
#ifndef VLMLAB_PLATFORM_OPTIM_FROM_SPEC_H_
#define VLMLAB_PLATFORM_OPTIM_FROM_SPEC_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "platform/nn/module.h"
#include "platform/optim/optimizer.h"
#include "platform/optim/param_groups.h"
#include "platform/optim/schedule.h"
#include "platform/spec/stages.pb.h"

namespace vlmlab::optim {

ParamGroupOptions ParamGroupOptionsFromSpec(const OptimizerSpec& spec, ParamGroupOptions base = {});

absl::StatusOr<std::unique_ptr<Optimizer>> BuildOptimizer(const OptimizerSpec& spec,
                                                          const nn::NamedTensors& params,
                                                          const ParamGroupOptions& base = {});

Schedule ScheduleFromSpec(const ScheduleSpec& spec, double peak_lr, int64_t total_steps);

}  // namespace vlmlab::optim

#endif  // VLMLAB_PLATFORM_OPTIM_FROM_SPEC_H_
