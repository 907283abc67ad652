// Embedding: a [vocab, dim] table looked up by i32 token ids.
//
//   Embedding emb(/*vocab=*/264, /*dim=*/256);   // parameter "weight", N(0, 0.02)
//   absl::StatusOr<Tensor> h = emb.Forward(ids); // i32 [B, T] -> [B, T, 256]
#ifndef VLMLAB_PLATFORM_NN_EMBEDDING_LAYER_H_
#define VLMLAB_PLATFORM_NN_EMBEDDING_LAYER_H_

#include <cstdint>

#include "platform/nn/module.h"

namespace vlmlab::nn {

class Embedding : public Module {
 public:
  Embedding(int64_t vocab, int64_t dim, float init_std = 0.02f, uint64_t seed = 0);
  const char* type_name() const override { return "Embedding"; }
  absl::StatusOr<Tensor> Forward(const Tensor& ids) override;
  void ResetParameters(const ParamInit& init) override;
  const Tensor& weight() const { return *weight_; }

 private:
  float init_std_;
  ParamRef weight_;
};

}  // namespace vlmlab::nn

#endif  // VLMLAB_PLATFORM_NN_EMBEDDING_LAYER_H_
