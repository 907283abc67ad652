// Deterministic parameter initialisation: each parameter's random stream is derived from
// (base seed, full parameter name) with a stable hash, so adding or reordering modules never
// changes the initial values of the others, and values do not depend on thread count.
//
//   uint64_t s = ParameterSeed(1234, "encoder.blocks.0.attn.qkv.weight");
//   // Inside a module's ResetParameters(const ParamInit& init):
//   init.Uniform(weight_.get(), "weight", -bound, bound);   // seed from (base, prefix + "weight")
//
// Values are written in place (AssignValues), so tensor handles held elsewhere (optimizers)
// stay valid.
#ifndef VLMLAB_PLATFORM_NN_INIT_H_
#define VLMLAB_PLATFORM_NN_INIT_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::nn {

// Mix64 over (base seed, FNV-1a of the name bytes): stable across platforms and builds.
uint64_t ParameterSeed(uint64_t base_seed, absl::string_view name);

// Copies src's values into dst (same shape; src is converted to dst's dtype). Both must be
// CPU tensors for now; dst may be strided.
absl::Status AssignValues(const Tensor& dst, const Tensor& src);

// What a module's ResetParameters receives: the base seed and the module's name prefix
// ("encoder.blocks.0.attn." or "" at the root).
class ParamInit {
 public:
  ParamInit(uint64_t base_seed, std::string prefix)
      : base_seed_(base_seed), prefix_(std::move(prefix)) {}

  uint64_t base_seed() const { return base_seed_; }
  const std::string& prefix() const { return prefix_; }
  // The seed of the parameter `local_name` of this module.
  uint64_t Seed(absl::string_view local_name) const;

  // Overwrite `param` in place (CHECK-fails on non-CPU tensors: a programming error for now).
  void Uniform(const Tensor& param, absl::string_view local_name, float lo, float hi) const;
  void Normal(const Tensor& param, absl::string_view local_name, float stddev) const;
  void Constant(const Tensor& param, float value) const;

 private:
  uint64_t base_seed_;
  std::string prefix_;
};

}  // namespace vlmlab::nn

#endif  // VLMLAB_PLATFORM_NN_INIT_H_
