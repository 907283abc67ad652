// `mlp`: an MLP from encoder width to LLM width (LLaVA-1.5: 2 layers, GELU). Registers options
// and output shape; the forward pass arrives with the tensor core (issue: Model plugins).
#include <memory>

#include "platform/plugin_api/model_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/projectors.pb.h"
#include "plugins/projectors/tokenwise_projector.h"

namespace vlmlab {
namespace {

class MlpProjector : public TokenwiseProjector {
 public:
  explicit MlpProjector(const MlpProjectorOptions& options) : options_(options) {}

 private:
  MlpProjectorOptions options_;
};

VLMLAB_REGISTER_PLUGIN(
    Projector, MlpProjectorOptions, "mlp", "MLP to the LLM width (LLaVA-1.5)",
    [](const MlpProjectorOptions& o, const BuildContext&)
        -> absl::StatusOr<std::unique_ptr<Projector>> { return std::make_unique<MlpProjector>(o); },
    nullptr);

}  // namespace
}  // namespace vlmlab
