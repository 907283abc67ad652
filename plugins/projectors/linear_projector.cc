// `linear`: one linear map from encoder width to LLM width (LLaVA-1.0). Registers options and
// output shape; the forward pass arrives with the tensor core (issue: Model plugins).
#include <memory>

#include "platform/plugin_api/model_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/projectors.pb.h"
#include "plugins/projectors/tokenwise_projector.h"

namespace vlmlab {
namespace {

class LinearProjector : public TokenwiseProjector {
 public:
  explicit LinearProjector(const LinearProjectorOptions& options) : options_(options) {}

 private:
  LinearProjectorOptions options_;
};

VLMLAB_REGISTER_PLUGIN(
    Projector, LinearProjectorOptions, "linear", "One linear map to the LLM width (LLaVA-1.0)",
    [](const LinearProjectorOptions& o,
       const BuildContext&) -> absl::StatusOr<std::unique_ptr<Projector>> {
      return std::make_unique<LinearProjector>(o);
    },
    nullptr);

}  // namespace
}  // namespace vlmlab
