// MLP: Linear layers with an activation between them (not after the last), e.g. the LLaVA
// projector (2 layers, GELU) or a transformer feed-forward block.
//
//   MLP mlp({1024, 4096, 4096}, Activation::kGeluErf);   // layers.0: 1024->4096, layers.1
//   absl::StatusOr<Tensor> y = mlp.Forward(x);            // [..., 1024] -> [..., 4096]
//   mlp.NamedParameters();   // layers.0.weight, layers.0.bias, layers.1.weight, layers.1.bias
//
// The layers live in a ModuleList child "layers", so each can be replaced (LoRA) by path.
#ifndef VLMLAB_PLATFORM_NN_MLP_H_
#define VLMLAB_PLATFORM_NN_MLP_H_

#include <cstdint>
#include <vector>

#include "platform/nn/module.h"

namespace vlmlab::nn {

enum class Activation { kNone, kGeluTanh, kGeluErf, kSilu, kRelu };
const char* ActivationName(Activation a);
absl::StatusOr<Tensor> Activate(Activation a, const Tensor& x);

class MLP : public Module {
 public:
  // dims = {in, hidden..., out}: at least two entries, all positive.
  MLP(std::vector<int64_t> dims, Activation activation, bool bias = true, uint64_t seed = 0);

  const char* type_name() const override { return "MLP"; }
  absl::StatusOr<Tensor> Forward(const Tensor& x) override;

  const std::vector<int64_t>& dims() const { return dims_; }
  Activation activation() const { return activation_; }
  size_t num_layers() const { return layers_.As<ModuleList>()->size(); }
  Submodule layer(size_t i) const { return (*layers_.As<ModuleList>())[i]; }

 private:
  std::vector<int64_t> dims_;
  Activation activation_;
  Submodule layers_;
};

}  // namespace vlmlab::nn

#endif  // VLMLAB_PLATFORM_NN_MLP_H_
