#include "platform/nn/norm_layers.h"

#include "platform/ops/normalization_ops.h"

namespace vlmlab::nn {

LayerNorm::LayerNorm(int64_t dim, float eps, bool affine) : eps_(eps) {
  if (affine) {
    weight_ = RegisterParameter("weight", Tensor::Full({dim}, 1.0f));
    bias_ = RegisterParameter("bias", Tensor::Zeros({dim}));
  }
}

absl::StatusOr<Tensor> LayerNorm::Forward(const Tensor& x) {
  return ops::LayerNorm(x, weight_ ? *weight_ : Tensor(), bias_ ? *bias_ : Tensor(), eps_);
}

void LayerNorm::ResetParameters(const ParamInit& init) {
  if (weight_) init.Constant(*weight_, 1.0f);
  if (bias_) init.Constant(*bias_, 0.0f);
}

RmsNorm::RmsNorm(int64_t dim, float eps) : eps_(eps) {
  weight_ = RegisterParameter("weight", Tensor::Full({dim}, 1.0f));
}

absl::StatusOr<Tensor> RmsNorm::Forward(const Tensor& x) { return ops::RmsNorm(x, *weight_, eps_); }

void RmsNorm::ResetParameters(const ParamInit& init) { init.Constant(*weight_, 1.0f); }

}  // namespace vlmlab::nn
