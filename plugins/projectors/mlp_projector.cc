// `mlp`: an MLP from encoder width to LLM width (LLaVA-1.5: 2 layers, GELU).
//
//   projector { mlp { layers: 2 hidden_dim: 0 activation: GELU } }
//
// [N, T, D_enc] -> [N, T, hidden], token by token: layers Linear maps D_enc -> h -> ... -> hidden
// (h = hidden_dim, or the LLM hidden size when 0), the activation between them (GELU is the
// exact erf GELU, as PyTorch's nn.GELU).
// Parameters: mlp.layers.<i>.weight, mlp.layers.<i>.bias.
#include <algorithm>
#include <memory>
#include <vector>

#include "platform/nn/mlp.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/projectors.pb.h"
#include "plugins/projectors/tokenwise_projector.h"

namespace vlmlab {
namespace {

class MlpProjector : public TokenwiseProjector {
 public:
  MlpProjector(const MlpProjectorOptions& options, uint64_t seed)
      : TokenwiseProjector("mlp", "mlp", seed), options_(options) {}
  const char* type_name() const override { return "MlpProjector"; }

 protected:
  std::vector<int64_t> Dims(int64_t in, int64_t hidden) const {
    const int64_t h = options_.hidden_dim() > 0 ? options_.hidden_dim() : hidden;
    std::vector<int64_t> dims = {in};
    for (int i = 1; i < std::max(1, options_.layers()); ++i) dims.push_back(h);
    dims.push_back(hidden);
    return dims;
  }
  std::unique_ptr<nn::Module> MakeNet(int64_t in, int64_t hidden) const override {
    return std::make_unique<nn::MLP>(Dims(in, hidden), ToNnActivation(options_.activation()));
  }
  double FlopsPerToken(int64_t in, int64_t hidden) const override {
    const std::vector<int64_t> d = Dims(in, hidden);
    double flops = 0;
    for (size_t i = 0; i + 1 < d.size(); ++i) flops += 2.0 * d[i] * d[i + 1];
    return flops;
  }

 private:
  MlpProjectorOptions options_;
};

VLMLAB_REGISTER_PLUGIN(
    Projector, MlpProjectorOptions, "mlp", "MLP to the LLM width (LLaVA-1.5)",
    [](const MlpProjectorOptions& o,
       const BuildContext& ctx) -> absl::StatusOr<std::unique_ptr<Projector>> {
      return std::make_unique<MlpProjector>(o, ctx.seed);
    },
    nullptr);

}  // namespace
}  // namespace vlmlab
