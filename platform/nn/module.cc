#include "platform/nn/module.h"

#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "platform/base/status_macros.h"
#include "platform/nn/name_pattern.h"

namespace vlmlab::nn {
namespace {

void CheckLocalName(absl::string_view name, const char* what) {
  CHECK(!name.empty()) << what << " with an empty name";
  CHECK(name.find('.') == absl::string_view::npos)
      << what << " name \"" << name << "\" contains '.'";
}

// "a, b, c" with at most `limit` names, then "... (N more)": wrong checkpoints have many keys.
std::string JoinCapped(const std::vector<std::string>& items, size_t limit = 20) {
  if (items.size() <= limit) return absl::StrJoin(items, ", ");
  std::vector<std::string> head(items.begin(), items.begin() + limit);
  return absl::StrCat(absl::StrJoin(head, ", "), ", ... (", items.size() - limit, " more)");
}

}  // namespace

Module* Submodule::get() const {
  CHECK(owner_ != nullptr) << "use of an empty Submodule";
  return owner_->children_[index_].second.get();
}

const Tensor& ParamRef::get() const {
  CHECK(owner_ != nullptr) << "use of an empty ParamRef";
  return owner_->params_[index_].second;
}

absl::StatusOr<Tensor> Module::Forward(const Tensor&) {
  return absl::UnimplementedError(
      absl::StrCat(type_name(), " has no one-tensor Forward; call its own forward method"));
}

ParamRef Module::RegisterParameter(absl::string_view name, const Tensor& value) {
  CheckLocalName(name, "RegisterParameter");
  CHECK(value.defined()) << "RegisterParameter(" << name << ") with an undefined tensor";
  for (const auto& [n, t] : params_)
    CHECK(n != name) << "parameter " << name << " registered twice";
  for (const auto& [n, m] : children_) CHECK(n != name) << name << " is already a child module";
  Tensor p = value.Detach();
  p.set_requires_grad(true);
  params_.emplace_back(std::string(name), std::move(p));
  return ParamRef(this, params_.size() - 1);
}

Submodule Module::RegisterModule(absl::string_view name, std::unique_ptr<Module> module) {
  CheckLocalName(name, "RegisterModule");
  CHECK(module != nullptr) << "RegisterModule(" << name << ") with a null module";
  for (const auto& [n, m] : children_) CHECK(n != name) << "module " << name << " registered twice";
  for (const auto& [n, t] : params_) CHECK(n != name) << name << " is already a parameter";
  module->SetTraining(training_);
  children_.emplace_back(std::string(name), std::move(module));
  return Submodule(this, children_.size() - 1);
}

Submodule Module::child(size_t index) const {
  CHECK_LT(index, children_.size());
  return Submodule(this, index);
}

void Module::Initialize(uint64_t seed) {
  ResetParameters(ParamInit(seed, ""));
  for (const auto& [path, module] : NamedModules()) {
    module->ResetParameters(ParamInit(seed, absl::StrCat(path, ".")));
  }
}

void Module::CollectParameters(const std::string& prefix, NamedTensors* out) const {
  for (const auto& [name, t] : params_) out->emplace_back(prefix + name, t);
  for (const auto& [name, m] : children_) m->CollectParameters(prefix + name + ".", out);
}

NamedTensors Module::NamedParameters(bool trainable_only) const {
  NamedTensors all, out;
  CollectParameters("", &all);
  std::unordered_set<const void*> seen;
  for (auto& [name, t] : all) {
    if (!seen.insert(t.id()).second) continue;
    if (trainable_only && !t.requires_grad()) continue;
    out.emplace_back(std::move(name), std::move(t));
  }
  return out;
}

std::vector<Tensor> Module::Parameters(bool trainable_only) const {
  std::vector<Tensor> out;
  for (auto& [name, t] : NamedParameters(trainable_only)) out.push_back(std::move(t));
  return out;
}

int64_t Module::NumParameters(bool trainable_only) const {
  int64_t n = 0;
  for (const auto& [name, t] : NamedParameters(trainable_only)) n += t.numel();
  return n;
}

void Module::CollectModules(const std::string& prefix,
                            std::vector<std::pair<std::string, Module*>>* out) const {
  for (const auto& [name, m] : children_) {
    std::string path = prefix + name;
    out->emplace_back(path, m.get());
    m->CollectModules(path + ".", out);
  }
}

std::vector<std::pair<std::string, Module*>> Module::NamedModules() const {
  std::vector<std::pair<std::string, Module*>> out;
  CollectModules("", &out);
  return out;
}

std::vector<std::pair<std::string, Module*>> Module::NamedChildren() const {
  std::vector<std::pair<std::string, Module*>> out;
  for (const auto& [name, m] : children_) out.emplace_back(name, m.get());
  return out;
}

Module* Module::FindModule(absl::string_view path) const {
  const Module* m = this;
  if (path.empty()) return const_cast<Module*>(m);
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    const Module* next = nullptr;
    for (const auto& [name, c] : m->children_) {
      if (name == part) next = c.get();
    }
    if (next == nullptr) return nullptr;
    m = next;
  }
  return const_cast<Module*>(m);
}

absl::StatusOr<std::pair<const Module*, std::string>> Module::Resolve(
    absl::string_view name) const {
  size_t dot = name.rfind('.');
  absl::string_view parent_path = dot == absl::string_view::npos ? "" : name.substr(0, dot);
  std::string last(dot == absl::string_view::npos ? name : name.substr(dot + 1));
  if (last.empty()) return absl::InvalidArgumentError(absl::StrCat("bad name \"", name, "\""));
  const Module* m = this;
  std::string walked;
  if (!parent_path.empty()) {
    for (absl::string_view part : absl::StrSplit(parent_path, '.')) {
      absl::StrAppend(&walked, walked.empty() ? "" : ".", part);
      const Module* next = nullptr;
      for (const auto& [n, c] : m->children_) {
        if (n == part) next = c.get();
      }
      if (next == nullptr) {
        return absl::NotFoundError(absl::StrCat("no module \"", walked, "\" (in \"", name, "\")"));
      }
      m = next;
    }
  }
  return std::make_pair(m, std::move(last));
}

absl::StatusOr<std::unique_ptr<Module>> Module::ReplaceModule(absl::string_view path,
                                                              std::unique_ptr<Module> replacement) {
  if (replacement == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("replace_module ", path, ": null module"));
  }
  absl::StatusOr<std::pair<const Module*, std::string>> where = Resolve(path);
  if (!where.ok())
    return absl::NotFoundError(absl::StrCat("replace_module: ", where.status().message()));
  Module* parent = const_cast<Module*>(where->first);
  for (auto& [name, child] : parent->children_) {
    if (name != where->second) continue;
    replacement->SetTraining(parent->training_);
    std::swap(child, replacement);
    return replacement;  // now the previous module
  }
  return absl::NotFoundError(absl::StrCat("replace_module: no module \"", path, "\""));
}

absl::Status Module::SetParameter(absl::string_view name, const Tensor& value) {
  absl::StatusOr<std::pair<const Module*, std::string>> where = Resolve(name);
  if (!where.ok())
    return absl::NotFoundError(absl::StrCat("set_parameter: ", where.status().message()));
  Module* owner = const_cast<Module*>(where->first);
  for (auto& [n, t] : owner->params_) {
    if (n != where->second) continue;
    if (!value.defined() || value.shape() != t.shape()) {
      return absl::InvalidArgumentError(
          absl::StrCat("set_parameter ", name, ": model ", ShapeString(t.shape()), ", got ",
                       value.defined() ? ShapeString(value.shape()) : "undefined"));
    }
    t = value;
    return absl::OkStatus();
  }
  return absl::NotFoundError(absl::StrCat("set_parameter: no parameter \"", name, "\""));
}

int Module::SetTrainable(absl::string_view pattern, bool trainable) {
  NamedTensors all;
  CollectParameters("", &all);
  std::unordered_set<const void*> matched;
  for (auto& [name, t] : all) {
    if (!GlobMatch(pattern, name)) continue;
    matched.insert(t.id());
    t.set_requires_grad(trainable);
    if (!trainable) t.zero_grad();
  }
  return static_cast<int>(matched.size());
}

void Module::ZeroGrad() {
  for (const auto& [name, t] : NamedParameters()) t.zero_grad();
}

TensorMap Module::StateDict() const {
  NamedTensors all;
  CollectParameters("", &all);
  TensorMap out;
  for (auto& [name, t] : all) out.emplace(std::move(name), t.Detach());
  return out;
}

absl::Status Module::LoadStateDict(const TensorMap& state, bool strict) {
  NamedTensors all;
  CollectParameters("", &all);
  std::vector<std::string> missing, unexpected, mismatched, off_cpu;
  std::unordered_set<std::string> known;
  for (const auto& [name, t] : all) {
    known.insert(name);
    auto it = state.find(name);
    if (it == state.end()) {
      missing.push_back(name);
    } else if (it->second.defined() && (it->second.device().type != DeviceType::kCpu ||
                                        t.device().type != DeviceType::kCpu)) {
      off_cpu.push_back(absl::StrCat(name, " (model ", t.DebugString(), ", checkpoint ",
                                     it->second.DebugString(), ")"));
    } else if (!it->second.defined() || it->second.shape() != t.shape()) {
      mismatched.push_back(
          absl::StrCat(name, ": model ", ShapeString(t.shape()), ", checkpoint ",
                       it->second.defined() ? ShapeString(it->second.shape()) : "undefined"));
    }
  }
  for (const auto& [name, t] : state) {
    if (!known.count(name)) unexpected.push_back(name);
  }
  std::vector<std::string> problems;
  if (strict && !missing.empty()) {
    problems.push_back(absl::StrCat("missing keys: [", JoinCapped(missing), "]"));
  }
  if (strict && !unexpected.empty()) {
    problems.push_back(absl::StrCat("unexpected keys: [", JoinCapped(unexpected), "]"));
  }
  if (!mismatched.empty()) {
    problems.push_back(absl::StrCat("shape mismatch: ", absl::StrJoin(mismatched, "; ")));
  }
  if (!off_cpu.empty()) {
    problems.push_back(
        absl::StrCat("only CPU tensors can be loaded for now: ", absl::StrJoin(off_cpu, "; ")));
  }
  if (!problems.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("load_state_dict: ", absl::StrJoin(problems, "; ")));
  }
  for (const auto& [name, t] : all) {
    auto it = state.find(name);
    if (it == state.end()) continue;
    absl::Status s = AssignValues(t, it->second);
    if (!s.ok())
      return absl::Status(s.code(), absl::StrCat("load_state_dict: ", name, ": ", s.message()));
  }
  return absl::OkStatus();
}

void Module::SetTraining(bool training) {
  training_ = training;
  for (auto& [name, m] : children_) m->SetTraining(training);
}

Submodule ModuleList::Append(std::unique_ptr<Module> module) {
  return RegisterModule(absl::StrCat(size()), std::move(module));
}

absl::StatusOr<Tensor> ModuleList::Forward(const Tensor& x) {
  Tensor h = x;
  for (size_t i = 0; i < size(); ++i) {
    VLMLAB_ASSIGN_OR_RETURN(h, child(i)->Forward(h));
  }
  return h;
}

}  // namespace vlmlab::nn
