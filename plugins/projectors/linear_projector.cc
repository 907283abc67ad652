// `linear`: one linear map from encoder width to LLM width (LLaVA-1.0).
//
//   projector { linear { bias: true } }
//
// [N, T, D_enc] -> [N, T, hidden], token by token (CLS and grid pass through).
// Parameters: proj.weight [hidden, D_enc], proj.bias [hidden] (with bias).
#include <memory>

#include "platform/nn/linear.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/projectors.pb.h"
#include "plugins/projectors/tokenwise_projector.h"

namespace vlmlab {
namespace {

class LinearProjector : public TokenwiseProjector {
 public:
  LinearProjector(const LinearProjectorOptions& options, uint64_t seed)
      : TokenwiseProjector("linear", "proj", seed), options_(options) {}
  const char* type_name() const override { return "LinearProjector"; }

 protected:
  std::unique_ptr<nn::Module> MakeNet(int64_t in, int64_t hidden) const override {
    return std::make_unique<nn::Linear>(in, hidden, options_.bias());
  }
  double FlopsPerToken(int64_t in, int64_t hidden) const override {
    return 2.0 * static_cast<double>(in) * static_cast<double>(hidden);
  }

 private:
  LinearProjectorOptions options_;
};

VLMLAB_REGISTER_PLUGIN(
    Projector, LinearProjectorOptions, "linear", "One linear map to the LLM width (LLaVA-1.0)",
    [](const LinearProjectorOptions& o,
       const BuildContext& ctx) -> absl::StatusOr<std::unique_ptr<Projector>> {
      return std::make_unique<LinearProjector>(o, ctx.seed);
    },
    nullptr);

}  // namespace
}  // namespace vlmlab
