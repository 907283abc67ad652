#include "platform/optim/optimizer.h"

#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/autograd/grad_mode.h"

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

absl::Status Optimizer::Step(double lr) {
  if (!std::isfinite(lr) || lr < 0) {
    return absl::InvalidArgumentError(absl::StrCat(name(), ": learning rate ", lr));
  }
  NoGradScope no_grad;
  struct Work {
    const std::string* name;
    Tensor param, grad;
    double lr, weight_decay;
  };
  std::vector<Work> work;
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
      work.push_back({&pname, p, g.Contiguous(), lr * group.lr_multiplier, group.weight_decay});
    }
  }
  const std::vector<std::string> slot_names = SlotNames();
  for (Work& w : work) {
    ParamState& st = state_[*w.name];
    if (st.slots.size() != slot_names.size()) {
      st.slots.clear();
      for (size_t i = 0; i < slot_names.size(); ++i)
        st.slots.push_back(Tensor::Zeros(w.param.shape()));
    }
    ++st.steps;
    std::vector<float*> slots;
    for (const Tensor& s : st.slots) slots.push_back(s.data<float>());
    Update(w.param.data<float>(), w.grad.data<float>(), slots, w.param.numel(), w.lr,
           w.weight_decay, st.steps);
  }
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

void AdamW::Update(float* p, const float* g, const std::vector<float*>& slots, int64_t n, double lr,
                   double weight_decay, int64_t t) const {
  float* m = slots[0];
  float* v = slots[1];
  const double b1 = options_.beta1, b2 = options_.beta2;
  const float decay = static_cast<float>(1.0 - lr * weight_decay);
  const float step_size = static_cast<float>(lr / (1.0 - std::pow(b1, t)));
  const float inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(1.0 - std::pow(b2, t)));
  const float fb1 = static_cast<float>(b1), fb2 = static_cast<float>(b2);
  const float c1 = static_cast<float>(1.0 - b1), c2 = static_cast<float>(1.0 - b2);
  const float eps = static_cast<float>(options_.eps);
  for (int64_t i = 0; i < n; ++i) {
    const float gi = g[i];
    m[i] = fb1 * m[i] + c1 * gi;
    v[i] = fb2 * v[i] + c2 * gi * gi;
    const float denom = std::sqrt(v[i]) * inv_sqrt_bc2 + eps;
    p[i] = p[i] * decay - step_size * m[i] / denom;
  }
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

void Sgd::Update(float* p, const float* g, const std::vector<float*>& slots, int64_t n, double lr,
                 double weight_decay, int64_t t) const {
  const float flr = static_cast<float>(lr), wd = static_cast<float>(weight_decay);
  const float mu = static_cast<float>(options_.momentum);
  float* buf = slots.empty() ? nullptr : slots[0];
  for (int64_t i = 0; i < n; ++i) {
    float d = g[i] + wd * p[i];
    if (buf != nullptr) {
      buf[i] = t == 1 ? d : mu * buf[i] + d;
      d = options_.nesterov ? d + mu * buf[i] : buf[i];
    }
    p[i] -= flr * d;
  }
}

}  // namespace vlmlab::optim
