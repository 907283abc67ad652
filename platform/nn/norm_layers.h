// Normalisation layers over the last axis: LayerNorm (weight and bias) and RMSNorm (weight).
//
//   LayerNorm ln(/*dim=*/256);              // parameters "weight" (ones), "bias" (zeros)
//   RmsNorm rms(256, /*eps=*/1e-6f);         // parameter "weight" (ones)
//   absl::StatusOr<Tensor> y = ln.Forward(x);   // [..., 256] -> [..., 256]
#ifndef VLMLAB_PLATFORM_NN_NORM_LAYERS_H_
#define VLMLAB_PLATFORM_NN_NORM_LAYERS_H_

#include <cstdint>

#include "platform/nn/module.h"

namespace vlmlab::nn {

class LayerNorm : public Module {
 public:
  explicit LayerNorm(int64_t dim, float eps = 1e-5f, bool affine = true);
  const char* type_name() const override { return "LayerNorm"; }
  absl::StatusOr<Tensor> Forward(const Tensor& x) override;
  void ResetParameters(const ParamInit& init) override;

 private:
  float eps_;
  ParamRef weight_, bias_;
};

class RmsNorm : public Module {
 public:
  explicit RmsNorm(int64_t dim, float eps = 1e-6f);
  const char* type_name() const override { return "RMSNorm"; }
  absl::StatusOr<Tensor> Forward(const Tensor& x) override;
  void ResetParameters(const ParamInit& init) override;

 private:
  float eps_;
  ParamRef weight_;
};

}  // namespace vlmlab::nn

#endif  // VLMLAB_PLATFORM_NN_NORM_LAYERS_H_
