#include "platform/nn/embedding_layer.h"

#include "platform/ops/embedding_ops.h"

namespace vlmlab::nn {

Embedding::Embedding(int64_t vocab, int64_t dim, float init_std, uint64_t seed)
    : init_std_(init_std) {
  weight_ = RegisterParameter("weight", Tensor::Zeros({vocab, dim}));
  ResetParameters(ParamInit(seed, ""));
}

absl::StatusOr<Tensor> Embedding::Forward(const Tensor& ids) {
  return ops::Embedding(ids, *weight_);
}

void Embedding::ResetParameters(const ParamInit& init) {
  init.Normal(*weight_, "weight", init_std_);
}

}  // namespace vlmlab::nn
