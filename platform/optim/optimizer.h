// Optimizers over parameter groups: AdamW (decoupled weight decay, bias correction) and SGD
// with momentum (weight decay as L2). Updates run in place on f32 CPU parameters with gradients
// off; state (per-parameter update count and moment tensors) is keyed by parameter name and
// can be saved and restored for checkpoints.
//
//   ParamGroupOptions g;
//   g.weight_decay = 0.01f;
//   auto groups = BuildParamGroups(model.NamedParameters(), g).value();
//   std::unique_ptr<Optimizer> opt = AdamW::Create(std::move(groups), AdamWOptions{}).value();
//   for (int64_t step = 0; step < steps; ++step) {
//     model.ZeroGrad();  ...  Backward(loss);
//     double norm = GradNorm(opt->Parameters()).value();             // platform/optim/clip.h
//     opt->Step(LearningRate(schedule, step), ClipScale(norm, 1.0)); // platform/optim/schedule.h
//   }
//   OptimizerState s = opt->StateDict();      // deep copy;  opt->LoadStateDict(s) restores it
//
// Parameters without a gradient (frozen, or unused this step) are skipped and get no state.
// AdamW updates every parameter in one call of the adamw_update kernel
// (kernels/api/optimizer_update.h: the cpu_fused backend spreads all elements over the
// threads); SGD's update is a plain loop here.
// Build the optimizer after anything that rebinds parameter tensors (Module::SetParameter,
// device moves, LoRA injection): it holds tensor handles.
#ifndef VLMLAB_PLATFORM_OPTIM_OPTIMIZER_H_
#define VLMLAB_PLATFORM_OPTIM_OPTIMIZER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "platform/nn/module.h"
#include "platform/optim/param_groups.h"

namespace vlmlab::optim {

// Checkpointable optimizer state. `tensors` keys are "<parameter name>.<slot>", e.g.
// "encoder.fc.weight.exp_avg"; `param_steps` counts each parameter's updates (AdamW bias
// correction uses it, so a parameter unfrozen mid-run starts its correction afresh).
struct OptimizerState {
  int64_t step = 0;  // Step() calls
  std::map<std::string, int64_t> param_steps;
  nn::TensorMap tensors;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual const char* name() const = 0;  // "adamw", "sgd"

  // One update of every parameter with a gradient, at lr * its group's multiplier, from the
  // gradients times grad_scale (gradient clipping folded into the update: see ClipScale in
  // platform/optim/clip.h; the same result as scaling the gradients first, without a pass).
  absl::Status Step(double lr, float grad_scale = 1.0f);
  void ZeroGrad();  // drops every parameter's gradient

  int64_t step_count() const { return step_; }
  const std::vector<ParamGroup>& groups() const { return groups_; }
  std::vector<Tensor> Parameters() const;  // every parameter, in group order

  OptimizerState StateDict() const;  // copies: later steps do not change it
  // Replaces the state. Errors (nothing changed): unknown parameter or slot names, shapes that
  // differ from the parameter's, a parameter with updates but missing slot tensors.
  absl::Status LoadStateDict(const OptimizerState& state);

 protected:
  explicit Optimizer(std::vector<ParamGroup> groups) : groups_(std::move(groups)) {}
  // Parameters must be f32, CPU and contiguous, names unique, multipliers and decay >= 0.
  static absl::Status ValidateGroups(const char* op, const std::vector<ParamGroup>& groups);

  // Per-parameter state tensors, each of the parameter's shape, zero before the first update.
  virtual std::vector<std::string> SlotNames() const = 0;

  // One parameter's update: param and its slots change in place; `t` counts this parameter's
  // updates, this one included (1 on the first).
  struct ParamUpdate {
    Tensor param, grad;
    std::vector<Tensor> slots;
    double lr, weight_decay;
    int64_t t;
  };
  // Updates every listed parameter from grad * grad_scale. An error must leave them unchanged.
  virtual absl::Status Update(const std::vector<ParamUpdate>& params, float grad_scale) const = 0;

 private:
  struct ParamState {
    int64_t steps = 0;
    std::vector<Tensor> slots;
  };
  std::vector<ParamGroup> groups_;
  std::map<std::string, ParamState> state_;
  int64_t step_ = 0;
};

struct AdamWOptions {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};

// PyTorch's AdamW: p *= 1 - lr*wd; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
// p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps). Slots "exp_avg", "exp_avg_sq".
class AdamW : public Optimizer {
 public:
  static absl::StatusOr<std::unique_ptr<AdamW>> Create(std::vector<ParamGroup> groups,
                                                       const AdamWOptions& options = {});
  const char* name() const override { return "adamw"; }
  const AdamWOptions& options() const { return options_; }

 protected:
  std::vector<std::string> SlotNames() const override { return {"exp_avg", "exp_avg_sq"}; }
  absl::Status Update(const std::vector<ParamUpdate>& params, float grad_scale) const override;

 private:
  AdamW(std::vector<ParamGroup> groups, const AdamWOptions& options)
      : Optimizer(std::move(groups)), options_(options) {}
  AdamWOptions options_;
};

struct SgdOptions {
  double momentum = 0.9;  // 0: plain SGD, no state tensors
  bool nesterov = false;
};

// PyTorch's SGD (no dampening): d = g + wd p; buf = momentum buf + d (buf = d on the first
// update); p -= lr * (nesterov ? d + momentum buf : buf). Slot "momentum_buffer".
class Sgd : public Optimizer {
 public:
  static absl::StatusOr<std::unique_ptr<Sgd>> Create(std::vector<ParamGroup> groups,
                                                     const SgdOptions& options = {});
  const char* name() const override { return "sgd"; }
  const SgdOptions& options() const { return options_; }

 protected:
  std::vector<std::string> SlotNames() const override;
  absl::Status Update(const std::vector<ParamUpdate>& params, float grad_scale) const override;

 private:
  Sgd(std::vector<ParamGroup> groups, const SgdOptions& options)
      : Optimizer(std::move(groups)), options_(options) {}
  SgdOptions options_;
};

}  // namespace vlmlab::optim

#endif  // VLMLAB_PLATFORM_OPTIM_OPTIMIZER_H_
