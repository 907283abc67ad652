// Test weights of order one for a whole model: the default initialisation is small, so
// outputs barely depend on what a test varies; with these a token that sees other inputs
// differs clearly. Matrices ~ N(0, 0.3^2), vectors ~ N(0, 0.1^2), norm weights and gates 1 plus
// that noise.
//
//   std::unique_ptr<VlmModel> m = ...;
//   model_testing::SetOrderOneWeights(*m, /*seed=*/1000);
#ifndef VLMLAB_PLATFORM_MODEL_TESTING_ORDER_ONE_WEIGHTS_H_
#define VLMLAB_PLATFORM_MODEL_TESTING_ORDER_ONE_WEIGHTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "glog/logging.h"
#include "platform/nn/init.h"
#include "platform/nn/module.h"

namespace vlmlab::model_testing {

inline void SetOrderOneWeights(nn::Module& model, uint64_t seed) {
  uint64_t i = 0;
  for (const auto& [name, t] : model.NamedParameters()) {
    std::vector<float> v =
        Tensor::RandN(t.shape(), seed + i++, t.dim() == 1 ? 0.1f : 0.3f).ToVector();
    const bool norm = absl::StrContains(name, "norm") && absl::EndsWith(name, "weight");
    if (norm || absl::EndsWith(name, "gate")) {
      for (float& x : v) x += 1.0f;
    }
    CHECK(nn::AssignValues(t, Tensor::FromVector(t.shape(), v)).ok()) << name;
  }
}

}  // namespace vlmlab::model_testing

#endif  // VLMLAB_PLATFORM_MODEL_TESTING_ORDER_ONE_WEIGHTS_H_
