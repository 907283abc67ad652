#include "platform/nn/lora.h"

#include <cmath>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/autograd/grad_mode.h"
#include "platform/base/status_macros.h"
#include "platform/nn/name_pattern.h"
#include "platform/ops/dropout_ops.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/matmul_ops.h"
#include "platform/ops/shape_ops.h"
#include "platform/tensor/counter_random.h"

namespace vlmlab::nn {

bool operator==(const LoraConfig& a, const LoraConfig& b) {
  return a.rank == b.rank && a.alpha == b.alpha && a.dropout == b.dropout && a.dora == b.dora &&
         a.seed == b.seed;
}

namespace {

// sqrt(sum_j w[i, j]^2) for each row i: [out, in] -> [out].
absl::StatusOr<Tensor> RowNorms(const Tensor& w) {
  VLMLAB_ASSIGN_OR_RETURN(Tensor sq, ops::Square(w));
  VLMLAB_ASSIGN_OR_RETURN(Tensor sum, ops::Sum(sq, {1}));
  return ops::Sqrt(sum);
}

absl::Status CheckConfig(const LoraConfig& c) {
  if (c.rank < 1) {
    return absl::InvalidArgumentError(absl::StrCat("lora: rank ", c.rank, " must be at least 1"));
  }
  if (!(c.alpha > 0)) {
    return absl::InvalidArgumentError(absl::StrCat("lora: alpha ", c.alpha, " must be > 0"));
  }
  if (!(c.dropout >= 0 && c.dropout < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("lora: dropout ", c.dropout, " must be in [0, 1)"));
  }
  return absl::OkStatus();
}

}  // namespace

LoraLinear::LoraLinear(const Linear& base, const LoraConfig& config, const ParamInit& init)
    : config_(config), in_features_(base.in_features()), out_features_(base.out_features()) {
  CHECK(CheckConfig(config).ok()) << CheckConfig(config);
  // Register, then rebind to the base layer's own handles: the tensors stay the same objects
  // (ties, optimizer handles and names survive the wrap).
  weight_ = RegisterParameter("weight", base.weight());
  CHECK(SetParameter("weight", base.weight()).ok());
  if (base.bias().defined()) {
    bias_ = RegisterParameter("bias", base.bias());
    CHECK(SetParameter("bias", base.bias()).ok());
  }
  for (Tensor t : {*weight_, bias()}) {  // handles: the flags are the parameters'
    if (!t.defined()) continue;
    t.set_requires_grad(false);
    t.zero_grad();
  }
  a_ = RegisterParameter("lora_a", Tensor::Zeros({config_.rank, in_features_}));
  b_ = RegisterParameter("lora_b", Tensor::Zeros({out_features_, config_.rank}));
  if (config_.dora)
    magnitude_ = RegisterParameter("lora_magnitude", Tensor::Zeros({out_features_}));
  InitAdapters(init);
}

void LoraLinear::InitAdapters(const ParamInit& init) {
  float bound = 1.0f / std::sqrt(static_cast<float>(in_features_));
  init.Uniform(*a_, "lora_a", -bound, bound);
  init.Constant(*b_, 0.0f);
  if (magnitude_) {
    NoGradScope no_grad;
    absl::StatusOr<Tensor> norms = RowNorms(*weight_);
    CHECK(norms.ok()) << norms.status();
    CHECK(AssignValues(*magnitude_, *norms).ok());
  }
  dropout_seed_ = init.Seed("lora_dropout");
  calls_ = 0;
}

void LoraLinear::ResetParameters(const ParamInit& init) {
  float bound = 1.0f / std::sqrt(static_cast<float>(in_features_));
  init.Uniform(*weight_, "weight", -bound, bound);
  if (bias_) init.Uniform(*bias_, "bias", -bound, bound);
  InitAdapters(init);
}

absl::StatusOr<Tensor> LoraLinear::DoraWeight() const {
  VLMLAB_ASSIGN_OR_RETURN(Tensor ba, ops::Matmul(*b_, *a_));  // [out, in]
  VLMLAB_ASSIGN_OR_RETURN(ba, ops::Scale(ba, scale()));
  return ops::Add(*weight_, ba);
}

absl::StatusOr<Tensor> LoraLinear::Forward(const Tensor& x) {
  if (!x.defined() || x.dim() < 1 || x.size(-1) != in_features_) {
    return absl::InvalidArgumentError(
        absl::StrCat("lora linear: input ", x.defined() ? ShapeString(x.shape()) : "undefined",
                     " must end in ", in_features_));
  }
  const bool drop = is_training() && config_.dropout > 0;
  Tensor xd = x;
  if (drop) {
    VLMLAB_ASSIGN_OR_RETURN(xd, ops::Dropout(x, config_.dropout, Mix64(dropout_seed_ ^ calls_++),
                                             /*training=*/true));
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor low, ops::Linear(xd, *a_));    // [..., r]
  VLMLAB_ASSIGN_OR_RETURN(Tensor lora, ops::Linear(low, *b_));  // [..., out]
  VLMLAB_ASSIGN_OR_RETURN(lora, ops::Scale(lora, scale()));     // [..., out]
  if (!config_.dora) {
    VLMLAB_ASSIGN_OR_RETURN(Tensor y, ops::Linear(x, *weight_, bias()));  // [..., out]
    return ops::Add(y, lora);
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor merged, DoraWeight());             // [out, in]
  VLMLAB_ASSIGN_OR_RETURN(Tensor norms, RowNorms(merged));          // [out]
  VLMLAB_ASSIGN_OR_RETURN(Tensor g, ops::Div(*magnitude_, norms));  // [out]
  if (!drop) {
    VLMLAB_ASSIGN_OR_RETURN(Tensor y, ops::Linear(x, merged));  // [..., out]
    VLMLAB_ASSIGN_OR_RETURN(y, ops::Mul(y, g));
    if (bias_) {
      VLMLAB_ASSIGN_OR_RETURN(y, ops::Add(y, *bias_));
    }
    return y;
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor y, ops::Linear(x, *weight_, bias()));  // [..., out]
  VLMLAB_ASSIGN_OR_RETURN(Tensor gm1, ops::AddScalar(g, -1.0f));
  VLMLAB_ASSIGN_OR_RETURN(Tensor xdw, ops::Linear(xd, *weight_));
  VLMLAB_ASSIGN_OR_RETURN(xdw, ops::Mul(xdw, gm1));
  VLMLAB_ASSIGN_OR_RETURN(lora, ops::Mul(lora, g));
  VLMLAB_ASSIGN_OR_RETURN(y, ops::Add(y, xdw));
  return ops::Add(y, lora);
}

absl::StatusOr<Tensor> LoraLinear::MergedWeight() const {
  NoGradScope no_grad;
  VLMLAB_ASSIGN_OR_RETURN(Tensor merged, DoraWeight());  // [out, in]
  if (!config_.dora) return merged;
  VLMLAB_ASSIGN_OR_RETURN(Tensor norms, RowNorms(merged));          // [out]
  VLMLAB_ASSIGN_OR_RETURN(Tensor g, ops::Div(*magnitude_, norms));  // [out]
  VLMLAB_ASSIGN_OR_RETURN(g, ops::Reshape(g, {out_features_, 1}));
  return ops::Mul(merged, g);
}

absl::StatusOr<std::unique_ptr<Linear>> LoraLinear::Merge() const {
  VLMLAB_ASSIGN_OR_RETURN(Tensor merged, MergedWeight());
  VLMLAB_RETURN_IF_ERROR(AssignValues(*weight_, merged));
  auto linear = std::make_unique<Linear>(in_features_, out_features_, bias_ ? true : false);
  VLMLAB_RETURN_IF_ERROR(linear->SetParameter("weight", *weight_));
  if (bias_) {
    VLMLAB_RETURN_IF_ERROR(linear->SetParameter("bias", *bias_));
  }
  return linear;
}

absl::StatusOr<LoraTargets> FindLoraTargets(const Module& root,
                                            const std::vector<std::string>& patterns,
                                            const LoraConfig& config) {
  VLMLAB_RETURN_IF_ERROR(CheckConfig(config));
  LoraTargets targets;
  std::vector<int> linear_hits(patterns.size(), 0);
  std::vector<std::vector<std::string>> other_hits(patterns.size());
  bool any_linear = false;
  for (const auto& [path, module] : root.NamedModules()) {
    const bool linear = dynamic_cast<Linear*>(module) != nullptr;
    const bool wrapped = dynamic_cast<LoraLinear*>(module) != nullptr;
    bool matched = patterns.empty();
    for (size_t i = 0; i < patterns.size(); ++i) {
      if (!GlobMatch(patterns[i], path)) continue;
      matched = true;
      if (linear || wrapped) {
        ++linear_hits[i];
      } else if (other_hits[i].size() < 3) {
        other_hits[i].push_back(absl::StrCat(path, " (", module->type_name(), ")"));
      }
    }
    if (!linear && !wrapped) continue;
    any_linear = true;
    if (!matched) continue;
    bool excluded = false;
    for (const std::string& e : config.exclude) excluded = excluded || GlobMatch(e, path);
    if (excluded) continue;
    (linear ? targets.to_wrap : targets.wrapped).push_back(path);
  }
  for (size_t i = 0; i < patterns.size(); ++i) {
    if (linear_hits[i] > 0) continue;
    std::string what = other_hits[i].empty()
                           ? "no module at all"
                           : absl::StrCat("only ", absl::StrJoin(other_hits[i], ", "),
                                          "; add \".*\" to reach the linear layers inside");
    return absl::NotFoundError(absl::StrCat("lora target_modules pattern \"", patterns[i],
                                            "\" matches no Linear layer (it matches ", what,
                                            "); module names look like \"blocks.0.attn.q\""));
  }
  if (!any_linear) {
    return absl::NotFoundError("lora: the module has no Linear layer to adapt");
  }
  // Tied weights: the parameter names over the same memory (storage and offset).
  std::map<std::pair<const void*, int64_t>, std::vector<std::string>> by_storage;
  auto key = [](const Tensor& t) {
    return std::make_pair(static_cast<const void*>(t.storage()->data()), t.offset());
  };
  for (const auto& [name, t] : root.StateDict()) by_storage[key(t)].push_back(name);
  for (const std::string& path : targets.to_wrap) {
    auto* linear = dynamic_cast<Linear*>(root.FindModule(path));
    const std::vector<std::string>& names = by_storage[key(linear->weight())];
    if (names.size() > 1) {
      return absl::FailedPreconditionError(absl::StrCat(
          "lora: ", path, ".weight is tied to another parameter (", absl::StrJoin(names, ", "),
          "); LoRA on a tied weight is not supported: exclude it from target_modules"));
    }
  }
  return targets;
}

absl::StatusOr<int> ApplyLora(Module& root, const std::vector<std::string>& patterns,
                              const LoraConfig& config) {
  VLMLAB_ASSIGN_OR_RETURN(LoraTargets targets, FindLoraTargets(root, patterns, config));
  for (const std::string& path : targets.to_wrap) {
    auto* linear = dynamic_cast<Linear*>(root.FindModule(path));
    auto wrapped =
        std::make_unique<LoraLinear>(*linear, config, ParamInit(config.seed, path + "."));
    VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<Module> old,
                            root.ReplaceModule(path, std::move(wrapped)));
  }
  return static_cast<int>(targets.to_wrap.size());
}

std::vector<std::string> LoraModuleNames(const Module& root) {
  std::vector<std::string> out;
  for (const auto& [path, module] : root.NamedModules()) {
    if (dynamic_cast<LoraLinear*>(module) != nullptr) out.push_back(path);
  }
  return out;
}

absl::StatusOr<int> MergeLora(Module& root) {
  std::vector<std::string> paths = LoraModuleNames(root);
  for (const std::string& path : paths) {
    auto* lora = dynamic_cast<LoraLinear*>(root.FindModule(path));
    CHECK(lora != nullptr) << path;
    VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<Linear> linear, lora->Merge());
    VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<Module> old,
                            root.ReplaceModule(path, std::move(linear)));
  }
  return static_cast<int>(paths.size());
}

}  // namespace vlmlab::nn
