// Base of projectors that map each visual token on its own (linear, MLP): the token count and
// grid pass through, the width becomes the LLM's.
//
//   class LinearProjector : public TokenwiseProjector { ... };
#ifndef VLMLAB_PLUGINS_PROJECTORS_TOKENWISE_PROJECTOR_H_
#define VLMLAB_PLUGINS_PROJECTORS_TOKENWISE_PROJECTOR_H_

#include "platform/plugin_api/model_plugins.h"

namespace vlmlab {

class TokenwiseProjector : public Projector {
 public:
  // TODO(model plugins): forward pass being written.
  absl::Status Build(const VisualShape&, const LlmShape&) override { return absl::OkStatus(); }
  absl::StatusOr<Tensor> Project(const EncodedImages&) override {
    return absl::UnimplementedError("projector forward not implemented yet");
  }
  Flops ForwardFlops(const VisualShape&, const LlmShape&) const override { return 0; }
  absl::StatusOr<VisualShape> OutputShape(const VisualShape& in,
                                          const LlmShape& llm) const override {
    return VisualShape{in.tokens, llm.hidden, in.grid_h, in.grid_w};
  }
};

}  // namespace vlmlab

#endif  // VLMLAB_PLUGINS_PROJECTORS_TOKENWISE_PROJECTOR_H_
