#include "platform/optim/optimizer.h"

#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kernels/api/optimizer_update.h"
#include "platform/autograd/grad_mode.h"
#include "platform/base/status_macros.h"

namespace vlmlab::optim {

absl::Status Optimizer::ValidateGroups(const char* op, const std::vector<ParamGroup>& groups) {
  std::unordered_set<std::string> names;
  for (const ParamGroup& g : groups) {
    if (!(g.lr_multiplier >= 0) || !std::isfinite(g.lr_multiplier) || !(g.weight_decay >= 0) ||
        !std::isfinite(g.weight_decay)) {
      return absl::InvalidArgumentError(absl::StrCat(op, ": group lr multiplier ", g.lr_multiplier,
                                                     " and weight decay ", g.weight_decay,
                                                     " must be finite and >= 0"));
    }
    for (const auto& [name, p] : g.params) {
      if (!names.insert(name).second) {
        return absl::InvalidArgumentError(
            absl::StrCat(op, ": parameter \"", name, "\" is in more than one place"));
      }
      if (!p.defined() || p.dtype() != DType::kF32 || p.device().type != DeviceType::kCpu ||
          !p.is_contiguous()) {
        return absl::InvalidArgumentError(absl::StrCat(
            op, ": parameter \"", name, "\" is ", p.defined() ? p.DebugString() : "undefined",
            "; the CPU optimizers update contiguous f32 CPU tensors"));
      }
    }
  }
  return absl::OkStatus();
}

std::vector<Tensor> Optimizer::Parameters() const {
  std::vector<Tensor> out;
  for (const ParamGroup& g : groups_) {
    for (const auto& [name, p] : g.params) out.push_back(p);
  }
  return out;
}

void Optimizer::ZeroGrad() {
  for (const ParamGroup& g : groups_) {
    for (const auto& [name, p] : g.params) p.zero_grad();
  }
}

absl::Status Optimizer::Step(double lr, float grad_scale) {
  if (!std::isfinite(lr) || lr < 0) {
    return absl::InvalidArgumentError(absl::StrCat(name(), ": learning rate ", lr));
  }
  if (!std::isfinite(grad_scale) || grad_scale < 0) {
    return absl::InvalidArgumentError(absl::StrCat(name(), ": gradient scale ", grad_scale));
  }
  NoGradScope no_grad;
  std::vector<const std::string*> names;  // of the parameters in `work`
  std::vector<ParamUpdate> work;
  // Check every gradient before touching anything: an error leaves the model as it was.
  for (const ParamGroup& group : groups_) {
    for (const auto& [pname, p] : group.params) {
      if (!p.requires_grad() || !p.grad().defined()) continue;  // frozen or unused
      const Tensor& g = p.grad();
      if (g.shape() != p.shape() || g.dtype() != DType::kF32 ||
          g.device().type != DeviceType::kCpu) {
        return absl::InvalidArgumentError(absl::StrCat(name(), ": gradient of \"", pname, "\" is ",
                                                       g.DebugString(), " for parameter ",
                                                       p.DebugString()));
      }
      names.push_back(&pname);
      work.push_back({p, g.Contiguous(), {}, lr * group.lr_multiplier, group.weight_decay, 0});
    }
  }
  const std::vector<std::string> slot_names = SlotNames();
  std::vector<ParamState*> states;  // std::map keeps element addresses stable
  for (size_t i = 0; i < work.size(); ++i) {
    ParamState& st = state_[*names[i]];
    states.push_back(&st);
    if (st.slots.size() != slot_names.size()) {
      st.slots.clear();
      for (size_t k = 0; k < slot_names.size(); ++k) {
        st.slots.push_back(Tensor::Zeros(work[i].param.shape()));
      }
    }
    work[i].slots = st.slots;
    work[i].t = st.steps + 1;
  }
  VLMLAB_RETURN_IF_ERROR(Update(work, grad_scale));
  for (ParamState* st : states) ++st->steps;
  ++step_;
  return absl::OkStatus();
}

OptimizerState Optimizer::StateDict() const {
  OptimizerState out;
  out.step = step_;
  const std::vector<std::string> slot_names = SlotNames();
  for (const auto& [pname, st] : state_) {
    out.param_steps[pname] = st.steps;
    for (size_t i = 0; i < st.slots.size(); ++i) {
      out.tensors[absl::StrCat(pname, ".", slot_names[i])] = st.slots[i].To(DType::kF32);
    }
  }
  return out;
}

absl::Status Optimizer::LoadStateDict(const OptimizerState& state) {
  std::unordered_map<std::string, Tensor> params;
  for (const ParamGroup& g : groups_) {
    for (const auto& [pname, p] : g.params) params[pname] = p;
  }
  const std::vector<std::string> slot_names = SlotNames();
  std::vector<std::string> problems;
  std::map<std::string, ParamState> loaded;
  if (state.step < 0) problems.push_back(absl::StrCat("step ", state.step, " < 0"));
  for (const auto& [pname, steps] : state.param_steps) {
    if (!params.count(pname)) {
      problems.push_back(absl::StrCat("unknown parameter \"", pname, "\""));
    } else if (steps < 0) {
      problems.push_back(absl::StrCat("\"", pname, "\" has ", steps, " steps"));
    } else {
      loaded[pname].steps = steps;
      loaded[pname].slots.resize(steps > 0 ? slot_names.size() : 0);
    }
  }
  for (const auto& [key, t] : state.tensors) {
    int slot = -1;
    std::string pname;
    for (size_t i = 0; i < slot_names.size(); ++i) {
      std::string suffix = absl::StrCat(".", slot_names[i]);
      if (absl::EndsWith(key, suffix)) {
        slot = static_cast<int>(i);
        pname = key.substr(0, key.size() - suffix.size());
      }
    }
    auto st = loaded.find(pname);
    if (slot < 0 || !params.count(pname)) {
      problems.push_back(absl::StrCat("unexpected tensor \"", key, "\" for ", name()));
    } else if (st == loaded.end() || st->second.slots.empty()) {
      problems.push_back(absl::StrCat("tensor \"", key, "\" for a parameter with no steps"));
    } else if (!t.defined() || t.shape() != params[pname].shape() ||
               t.device().type != DeviceType::kCpu) {
      problems.push_back(absl::StrCat("\"", key, "\" is ",
                                      t.defined() ? t.DebugString() : "undefined", ", parameter ",
                                      params[pname].DebugString()));
    } else {
      st->second.slots[slot] = t.To(DType::kF32);  // a private copy
    }
  }
  for (const auto& [pname, st] : loaded) {
    for (size_t i = 0; i < st.slots.size(); ++i) {
      if (!st.slots[i].defined()) {
        problems.push_back(absl::StrCat("missing tensor \"", pname, ".", slot_names[i], "\""));
      }
    }
  }
  if (!problems.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name(), " load_state_dict: ", absl::StrJoin(problems, "; ")));
  }
  state_ = std::move(loaded);
  step_ = state.step;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<AdamW>> AdamW::Create(std::vector<ParamGroup> groups,
                                                     const AdamWOptions& options) {
  if (!(options.beta1 >= 0 && options.beta1 < 1) || !(options.beta2 >= 0 && options.beta2 < 1) ||
      !(options.eps > 0)) {
    return absl::InvalidArgumentError(absl::StrCat("adamw: betas (", options.beta1, ", ",
                                                   options.beta2, ") must be in [0, 1), eps ",
                                                   options.eps, " > 0"));
  }
  absl::Status valid = ValidateGroups("adamw", groups);
  if (!valid.ok()) return valid;
  return std::unique_ptr<AdamW>(new AdamW(std::move(groups), options));
}

absl::Status AdamW::Update(const std::vector<ParamUpdate>& params, float grad_scale) const {
  if (params.empty()) return absl::OkStatus();
  const double b1 = options_.beta1, b2 = options_.beta2;
  std::vector<AdamWParam> fused;
  fused.reserve(params.size());
  for (const ParamUpdate& u : params) {
    AdamWParam a{u.param, u.grad, u.slots[0], u.slots[1]};
    a.decay = static_cast<float>(1.0 - u.lr * u.weight_decay);
    a.step_size = static_cast<float>(u.lr / (1.0 - std::pow(b1, u.t)));
    a.inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(1.0 - std::pow(b2, u.t)));
    fused.push_back(std::move(a));
  }
  AdamWConstants c;
  c.beta1 = static_cast<float>(b1);
  c.beta2 = static_cast<float>(b2);
  c.one_minus_beta1 = static_cast<float>(1.0 - b1);
  c.one_minus_beta2 = static_cast<float>(1.0 - b2);
  c.eps = static_cast<float>(options_.eps);
  c.grad_scale = grad_scale;
  return AdamWKernels().Call(params[0].param.device(), DType::kF32, fused, c);
}

absl::StatusOr<std::unique_ptr<Sgd>> Sgd::Create(std::vector<ParamGroup> groups,
                                                 const SgdOptions& options) {
  if (!(options.momentum >= 0 && options.momentum < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("sgd: momentum ", options.momentum, " must be in [0, 1)"));
  }
  if (options.nesterov && options.momentum == 0) {
    return absl::InvalidArgumentError("sgd: nesterov needs a momentum > 0");
  }
  absl::Status valid = ValidateGroups("sgd", groups);
  if (!valid.ok()) return valid;
  return std::unique_ptr<Sgd>(new Sgd(std::move(groups), options));
}

std::vector<std::string> Sgd::SlotNames() const {
  if (options_.momentum == 0) return {};
  return {"momentum_buffer"};
}

absl::Status Sgd::Update(const std::vector<ParamUpdate>& params, float grad_scale) const {
  const float mu = static_cast<float>(options_.momentum);
  for (const ParamUpdate& u : params) {
    const float flr = static_cast<float>(u.lr), wd = static_cast<float>(u.weight_decay);
    float* p = u.param.data<float>();
    const float* g = u.grad.data<float>();
    float* buf = u.slots.empty() ? nullptr : u.slots[0].data<float>();
    for (int64_t i = 0, n = u.param.numel(); i < n; ++i) {
      float d = g[i] * grad_scale + wd * p[i];
      if (buf != nullptr) {
        buf[i] = u.t == 1 ? d : mu * buf[i] + d;
        d = options_.nesterov ? d + mu * buf[i] : buf[i];
      }
      p[i] -= flr * d;
    }
  }
  return absl::OkStatus();
}

}  // namespace vlmlab::optim
