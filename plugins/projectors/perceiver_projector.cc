// `perceiver`: a Perceiver resampler (Flamingo, Idefics2): learned latents cross-attend to the
// visual tokens, so every image costs num_latents tokens. Registers options, validation and
// output shape; the forward pass arrives with the tensor core (issue: Model plugins).
#include <memory>

#include "absl/strings/str_cat.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/projectors.pb.h"

namespace vlmlab {
namespace {

class PerceiverProjector : public Projector {
 public:
  // TODO(model plugins): forward pass being written.
  absl::Status Build(const VisualShape&, const LlmShape&) override { return absl::OkStatus(); }
  absl::StatusOr<Tensor> Project(const EncodedImages&) override {
    return absl::UnimplementedError("projector forward not implemented yet");
  }
  Flops ForwardFlops(const VisualShape&, const LlmShape&) const override { return 0; }
  explicit PerceiverProjector(const PerceiverOptions& options) : options_(options) {}
  absl::StatusOr<VisualShape> OutputShape(const VisualShape&, const LlmShape& llm) const override {
    if (llm.hidden % options_.heads() != 0) {
      return absl::InvalidArgumentError(absl::StrCat("perceiver.heads ", options_.heads(),
                                                     " does not divide the LLM hidden size ",
                                                     llm.hidden));
    }
    return VisualShape{options_.num_latents(), llm.hidden, 0, 0};
  }

 private:
  PerceiverOptions options_;
};

VLMLAB_REGISTER_PLUGIN(
    Projector, PerceiverOptions, "perceiver",
    "Perceiver resampler: learned latents cross-attend to visual tokens (Flamingo, Idefics2)",
    [](const PerceiverOptions& o,
       const BuildContext&) -> absl::StatusOr<std::unique_ptr<Projector>> {
      return std::make_unique<PerceiverProjector>(o);
    },
    nullptr);

}  // namespace
}  // namespace vlmlab
