// `avg_pool`: average pooling over k x k patch blocks, then a linear map; a baseline for token
// reduction. Registers options and output shape; the forward pass arrives with the tensor core
// (issue: Model plugins).
#include <memory>

#include "platform/plugin_api/model_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/projectors.pb.h"
#include "plugins/projectors/grid_pooling.h"

namespace vlmlab {
namespace {

class AvgPoolProjector : public Projector {
 public:
  // TODO(model plugins): forward pass being written.
  absl::Status Build(const VisualShape&, const LlmShape&) override { return absl::OkStatus(); }
  absl::StatusOr<Tensor> Project(const EncodedImages&) override {
    return absl::UnimplementedError("projector forward not implemented yet");
  }
  Flops ForwardFlops(const VisualShape&, const LlmShape&) const override { return 0; }
  explicit AvgPoolProjector(const AvgPoolProjectorOptions& options) : options_(options) {}
  absl::StatusOr<VisualShape> OutputShape(const VisualShape& in,
                                          const LlmShape& llm) const override {
    return MergeGridBlocks(in, options_.kernel(), "avg_pool.kernel", llm.hidden);
  }

 private:
  AvgPoolProjectorOptions options_;
};

VLMLAB_REGISTER_PLUGIN(
    Projector, AvgPoolProjectorOptions, "avg_pool",
    "Average pooling over k x k patches, then a linear map (token-reduction baseline)",
    [](const AvgPoolProjectorOptions& o,
       const BuildContext&) -> absl::StatusOr<std::unique_ptr<Projector>> {
      return std::make_unique<AvgPoolProjector>(o);
    },
    nullptr);

}  // namespace
}  // namespace vlmlab
