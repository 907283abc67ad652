#include "platform/nn/linear.h"

#include <cmath>

#include "platform/ops/matmul_ops.h"

namespace vlmlab::nn {

Linear::Linear(int64_t in_features, int64_t out_features, bool bias, uint64_t seed)
    : in_features_(in_features), out_features_(out_features) {
  CHECK_GT(in_features, 0) << "Linear in_features";
  CHECK_GT(out_features, 0) << "Linear out_features";
  weight_ = RegisterParameter("weight", Tensor::Zeros({out_features, in_features}));
  if (bias) bias_ = RegisterParameter("bias", Tensor::Zeros({out_features}));
  Linear::ResetParameters(ParamInit(seed, ""));
}

void Linear::ResetParameters(const ParamInit& init) {
  float bound = 1.0f / std::sqrt(static_cast<float>(in_features_));
  init.Uniform(*weight_, "weight", -bound, bound);
  if (bias_) init.Uniform(*bias_, "bias", -bound, bound);
}

absl::StatusOr<Tensor> Linear::Forward(const Tensor& x) { return ops::Linear(x, weight(), bias()); }

}  // namespace vlmlab::nn
