// A 2-D convolution layer on channels-last feature maps (ops::Conv2d), for the `conv` encoder.
//
//   Conv2dLayer conv(/*in=*/32, /*out=*/64, /*kernel=*/3, /*stride=*/2, /*padding=*/1);
//   absl::StatusOr<Tensor> y = conv.Forward(x);   // [N, 32, 32, 32] -> [N, 16, 16, 64]
//
// Parameters "weight" [out, in, k, k] (PyTorch's layout) and "bias" [out], initialised like
// PyTorch's Conv2d: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in * k * k.
#ifndef VLMLAB_PLUGINS_ENCODERS_CONV_LAYER_H_
#define VLMLAB_PLUGINS_ENCODERS_CONV_LAYER_H_

#include <cstdint>

#include "platform/nn/module.h"

namespace vlmlab {

class Conv2dLayer : public nn::Module {
 public:
  Conv2dLayer(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride,
              int64_t padding);
  const char* type_name() const override { return "Conv2d"; }
  absl::StatusOr<Tensor> Forward(const Tensor& x) override;
  void ResetParameters(const nn::ParamInit& init) override;

  int64_t in_channels() const { return in_; }
  int64_t out_channels() const { return out_; }
  int64_t kernel() const { return kernel_; }
  int64_t stride() const { return stride_; }
  int64_t padding() const { return padding_; }
  // Spatial size of the output for an input side `in`.
  int64_t OutputSize(int64_t in) const;

 private:
  int64_t in_, out_, kernel_, stride_, padding_;
  nn::ParamRef weight_, bias_;
};

}  // namespace vlmlab

#endif  // VLMLAB_PLUGINS_ENCODERS_CONV_LAYER_H_
