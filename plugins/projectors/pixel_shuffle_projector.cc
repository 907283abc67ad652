// `pixel_shuffle`: space-to-depth over r x r patch blocks (r^2 fewer tokens, r^2 wider), then
// a linear or MLP projection (Idefics3, nanoVLM). Registers options and output shape; the
// forward pass arrives with the tensor core (issue: Model plugins).
#include <memory>

#include "platform/plugin_api/model_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/projectors.pb.h"
#include "plugins/projectors/grid_pooling.h"

namespace vlmlab {
namespace {

class PixelShuffleProjector : public Projector {
 public:
  // TODO(model plugins): forward pass being written.
  absl::Status Build(const VisualShape&, const LlmShape&) override { return absl::OkStatus(); }
  absl::StatusOr<Tensor> Project(const EncodedImages&) override {
    return absl::UnimplementedError("projector forward not implemented yet");
  }
  Flops ForwardFlops(const VisualShape&, const LlmShape&) const override { return 0; }
  explicit PixelShuffleProjector(const PixelShuffleOptions& options) : options_(options) {}
  absl::StatusOr<VisualShape> OutputShape(const VisualShape& in,
                                          const LlmShape& llm) const override {
    return MergeGridBlocks(in, options_.factor(), "pixel_shuffle.factor", llm.hidden);
  }

 private:
  PixelShuffleOptions options_;
};

VLMLAB_REGISTER_PLUGIN(
    Projector, PixelShuffleOptions, "pixel_shuffle",
    "Pixel shuffle: r x r patches to one token, then a projection (Idefics3, nanoVLM)",
    [](const PixelShuffleOptions& o,
       const BuildContext&) -> absl::StatusOr<std::unique_ptr<Projector>> {
      return std::make_unique<PixelShuffleProjector>(o);
    },
    nullptr);

}  // namespace
}  // namespace vlmlab
