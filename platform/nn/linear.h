// Linear: y = x W^T + b over the last axis, with W [out, in] and optional b [out].
//
//   Linear fc(/*in=*/16, /*out=*/32);                 // bias on, seed 0
//   absl::StatusOr<Tensor> y = fc.Forward(x);          // x [..., 16] -> [..., 32]
//   fc.weight();  fc.bias();                           // parameters "weight", "bias"
//
// Initialisation (ResetParameters): weight and bias ~ U(-1/sqrt(in), 1/sqrt(in)) (PyTorch's
// default), each from ParameterSeed(seed, full name); the constructor initialises as if the
// layer were the root, so `Linear(i, o, true, s)` equals `Linear(i, o).Initialize(s)`.
#ifndef VLMLAB_PLATFORM_NN_LINEAR_H_
#define VLMLAB_PLATFORM_NN_LINEAR_H_

#include <cstdint>

#include "platform/nn/module.h"

namespace vlmlab::nn {

class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true, uint64_t seed = 0);

  const char* type_name() const override { return "Linear"; }
  absl::StatusOr<Tensor> Forward(const Tensor& x) override;
  void ResetParameters(const ParamInit& init) override;

  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }
  const Tensor& weight() const { return *weight_; }
  Tensor bias() const { return bias_ ? *bias_ : Tensor(); }  // undefined without bias

 private:
  int64_t in_features_, out_features_;
  ParamRef weight_, bias_;
};

}  // namespace vlmlab::nn

#endif  // VLMLAB_PLATFORM_NN_LINEAR_H_
