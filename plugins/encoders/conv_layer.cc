#include "plugins/encoders/conv_layer.h"

#include <cmath>

#include "platform/ops/conv_ops.h"

namespace vlmlab {

Conv2dLayer::Conv2dLayer(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride,
                         int64_t padding)
    : in_(in_channels), out_(out_channels), kernel_(kernel), stride_(stride), padding_(padding) {
  weight_ = RegisterParameter("weight", Tensor::Zeros({out_, in_, kernel_, kernel_}));
  bias_ = RegisterParameter("bias", Tensor::Zeros({out_}));
  ResetParameters(nn::ParamInit(0, ""));
}

absl::StatusOr<Tensor> Conv2dLayer::Forward(const Tensor& x) {
  return ops::Conv2d(x, *weight_, *bias_, {stride_, padding_});
}

void Conv2dLayer::ResetParameters(const nn::ParamInit& init) {
  const float bound = 1.0f / std::sqrt(static_cast<float>(in_ * kernel_ * kernel_));
  init.Uniform(*weight_, "weight", -bound, bound);
  init.Uniform(*bias_, "bias", -bound, bound);
}

int64_t Conv2dLayer::OutputSize(int64_t in) const {
  return (in + 2 * padding_ - kernel_) / stride_ + 1;
}

}  // namespace vlmlab
