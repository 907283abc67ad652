// The gated cross-attention dense layer of Flamingo, inserted before an LM block by the
// `cross_attention` fusion:
//   x = x + tanh(attn_gate) * CrossAttn(attn_norm(x), visual, mask)
//   x = x + tanh(ff_gate) * FF(ff_norm(x))          (only when mlp_ratio > 0)
// Parameter names: attn_norm.{weight,bias}, attn.{q,k,v,o}.weight (no biases, so a text row
// that may see no image gets exactly 0 from the attention), attn_gate [1],
// ff_norm.{weight,bias}, ff.layers.{0,1}.{weight,bias} (GELU MLP), ff_gate [1].
//
//   GatedCrossAttention layer(/*dim=*/256, /*heads=*/4, /*mlp_ratio=*/4, /*gate_init=*/0);
//   absl::StatusOr<Tensor> y = layer.Apply(x, visual, mask);   // [B, T, 256]
#ifndef VLMLAB_PLUGINS_FUSION_GATED_CROSS_ATTENTION_H_
#define VLMLAB_PLUGINS_FUSION_GATED_CROSS_ATTENTION_H_

#include <cstdint>

#include "platform/nn/module.h"

namespace vlmlab {

class GatedCrossAttention : public nn::Module {
 public:
  GatedCrossAttention(int64_t dim, int64_t heads, float mlp_ratio, float gate_init);
  const char* type_name() const override { return "GatedCrossAttention"; }
  void ResetParameters(const nn::ParamInit& init) override;  // the gates to gate_init

  // x [B, T, dim]; context [B, K, dim] or undefined (no image in the batch: the attention
  // branch adds nothing); mask i32 [B, 1, T, K], nonzero = may attend.
  absl::StatusOr<Tensor> Apply(const Tensor& x, const Tensor& context, const Tensor& mask);

 private:
  float gate_init_;
  nn::Submodule attn_norm_, attn_, ff_norm_, ff_;
  nn::ParamRef attn_gate_, ff_gate_;
};

}  // namespace vlmlab

#endif  // VLMLAB_PLUGINS_FUSION_GATED_CROSS_ATTENTION_H_
