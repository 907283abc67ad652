// The pre-LN transformer block of the `vit` encoder: x + Attn(LN(x)); x + fc2(act(fc1(LN(x)))),
// with the MLP activation of the tower being reproduced (SigLIP: GELU tanh; OpenAI CLIP:
// quick GELU). Its children carry nn::TransformerBlock's names, so freezing and LoRA patterns
// written for one fit the other: "norm1", "attn" (q, k, v, o), "norm2", "fc1", "fc2".
//
//   VitBlock block(/*dim=*/384, /*heads=*/6, /*mlp_hidden=*/1536, VitActivation::kQuickGelu,
//                  /*eps=*/1e-5f);
//   absl::StatusOr<Tensor> y = block.Forward(x);   // [N, T, 384] -> [N, T, 384]
//   y = block.Forward(x, mask);                     // mask i32 [N, T], 0 = padding
#ifndef VLMLAB_PLUGINS_ENCODERS_VIT_BLOCK_H_
#define VLMLAB_PLUGINS_ENCODERS_VIT_BLOCK_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "platform/nn/module.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

enum class VitActivation { kGeluTanh, kGeluErf, kQuickGelu };

// act(x) for the block's MLP; quick GELU is x * sigmoid(1.702 x).
absl::StatusOr<Tensor> ApplyVitActivation(VitActivation activation, const Tensor& x);

class VitBlock : public nn::Module {
 public:
  VitBlock(int64_t dim, int64_t heads, int64_t mlp_hidden, VitActivation activation, float eps);
  const char* type_name() const override { return "TransformerBlock"; }
  absl::StatusOr<Tensor> Forward(const Tensor& x) override { return Forward(x, Tensor()); }
  // `key_padding_mask` i32 [N, T] (nonzero = a real token; undefined = all): padding tokens
  // are not attended.
  absl::StatusOr<Tensor> Forward(const Tensor& x, const Tensor& key_padding_mask);

 private:
  VitActivation activation_;
  nn::Submodule norm1_, attn_, norm2_, fc1_, fc2_;
};

}  // namespace vlmlab

#endif  // VLMLAB_PLUGINS_ENCODERS_VIT_BLOCK_H_
