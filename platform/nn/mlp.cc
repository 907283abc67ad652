#include "platform/nn/mlp.h"

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/nn/linear.h"
#include "platform/ops/elementwise_ops.h"

namespace vlmlab::nn {

const char* ActivationName(Activation a) {
  switch (a) {
    case Activation::kNone:
      return "none";
    case Activation::kGeluTanh:
      return "gelu_tanh";
    case Activation::kGeluErf:
      return "gelu";
    case Activation::kSilu:
      return "silu";
    case Activation::kRelu:
      return "relu";
  }
  return "?";
}

absl::StatusOr<Tensor> Activate(Activation a, const Tensor& x) {
  switch (a) {
    case Activation::kNone:
      return x;
    case Activation::kGeluTanh:
      return ops::Gelu(x, /*tanh_approximation=*/true);
    case Activation::kGeluErf:
      return ops::Gelu(x, /*tanh_approximation=*/false);
    case Activation::kSilu:
      return ops::Silu(x);
    case Activation::kRelu:
      return ops::Relu(x);
  }
  return absl::InvalidArgumentError("unknown activation");
}

MLP::MLP(std::vector<int64_t> dims, Activation activation, bool bias, uint64_t seed)
    : dims_(std::move(dims)), activation_(activation) {
  CHECK_GE(dims_.size(), 2u) << "MLP needs {in, ..., out}";
  auto list = std::make_unique<ModuleList>();
  for (size_t i = 0; i + 1 < dims_.size(); ++i) {
    list->Append(std::make_unique<Linear>(dims_[i], dims_[i + 1], bias));
  }
  layers_ = RegisterModule("layers", std::move(list));
  Initialize(seed);  // seeds from full names: "layers.0.weight", ...
}

absl::StatusOr<Tensor> MLP::Forward(const Tensor& x) {
  const ModuleList& list = *layers_.As<ModuleList>();
  Tensor h = x;
  for (size_t i = 0; i < list.size(); ++i) {
    VLMLAB_ASSIGN_OR_RETURN(h, list[i]->Forward(h));
    if (i + 1 < list.size()) {
      VLMLAB_ASSIGN_OR_RETURN(h, Activate(activation_, h));
    }
  }
  return h;
}

}  // namespace vlmlab::nn
