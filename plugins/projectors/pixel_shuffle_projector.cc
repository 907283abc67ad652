// `pixel_shuffle`: space-to-depth over r x r patch blocks (r^2 fewer tokens, r^2 wider), then
// a linear or MLP projection (Idefics3, nanoVLM).
//
//   projector { pixel_shuffle { factor: 2 layers: 1 } }
//
// tokens [N, (cls +) gh*gw, D] -> drop CLS -> ops::PixelShuffle [N, gh*gw/r^2, D*r^2]
// -> MLP (layers Linear maps D*r^2 -> hidden -> ... -> hidden, activation between)
// -> [N, gh*gw/r^2, hidden]. The grid is the encoder's actual one (native resolution): r
// must divide it.
// Parameters: mlp.layers.<i>.weight, mlp.layers.<i>.bias.
#include <algorithm>
#include <memory>
#include <vector>

#include "platform/base/status_macros.h"
#include "platform/nn/mlp.h"
#include "platform/ops/vision_ops.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/projectors.pb.h"
#include "plugins/projectors/grid_pooling.h"
#include "plugins/projectors/projector_util.h"

namespace vlmlab {
namespace {

class PixelShuffleProjector : public Projector {
 public:
  PixelShuffleProjector(const PixelShuffleOptions& options, uint64_t seed)
      : options_(options), seed_(seed) {}
  const char* type_name() const override { return "PixelShuffleProjector"; }

  absl::StatusOr<VisualShape> OutputShape(const VisualShape& in,
                                          const LlmShape& llm) const override {
    return MergeGridBlocks(in, options_.factor(), "pixel_shuffle.factor", llm.hidden);
  }

  absl::Status Build(const VisualShape& in, const LlmShape& llm) override {
    if (built_) return absl::FailedPreconditionError("pixel_shuffle: Build called twice");
    VLMLAB_RETURN_IF_ERROR(OutputShape(in, llm).status());
    in_dim_ = in.dim;
    mlp_ = RegisterModule("mlp", std::make_unique<nn::MLP>(Dims(in.dim, llm.hidden),
                                                           ToNnActivation(options_.activation())));
    built_ = true;
    Initialize(seed_);
    return absl::OkStatus();
  }

  absl::StatusOr<Tensor> Project(const EncodedImages& in) override {
    VLMLAB_RETURN_IF_ERROR(CheckProjectorInput("pixel_shuffle", built_, in, in_dim_));
    VLMLAB_ASSIGN_OR_RETURN(Tensor grid, GridTokens("pixel_shuffle", in));  // [N, gh*gw, D]
    const int64_t r = options_.factor();
    if (in.grid_h % r != 0 || in.grid_w % r != 0) {
      return absl::InvalidArgumentError(absl::StrCat("pixel_shuffle.factor ", r,
                                                     " does not divide the ", in.grid_h, "x",
                                                     in.grid_w, " patch grid of these images"));
    }
    VLMLAB_ASSIGN_OR_RETURN(Tensor merged, ops::PixelShuffle(grid, in.grid_h, in.grid_w, r));
    return mlp_->Forward(merged);  // [N, gh*gw/r^2, hidden]
  }

  Flops ForwardFlops(const VisualShape& in, const LlmShape& llm) const override {
    absl::StatusOr<VisualShape> out = OutputShape(in, llm);
    if (!out.ok()) return 0;
    const std::vector<int64_t> d = Dims(in.dim, llm.hidden);
    double per_token = 0;
    for (size_t i = 0; i + 1 < d.size(); ++i) per_token += 2.0 * d[i] * d[i + 1];
    return static_cast<double>(out->tokens) * per_token;
  }

 private:
  std::vector<int64_t> Dims(int64_t in, int64_t hidden) const {
    const int64_t r = options_.factor();
    std::vector<int64_t> dims = {in * r * r};
    for (int i = 1; i < std::max(1, options_.layers()); ++i) dims.push_back(hidden);
    dims.push_back(hidden);
    return dims;
  }

  PixelShuffleOptions options_;
  uint64_t seed_;
  bool built_ = false;
  int64_t in_dim_ = 0;
  nn::Submodule mlp_;
};

VLMLAB_REGISTER_PLUGIN(
    Projector, PixelShuffleOptions, "pixel_shuffle",
    "Pixel shuffle: r x r patches to one token, then a projection (Idefics3, nanoVLM)",
    [](const PixelShuffleOptions& o,
       const BuildContext& ctx) -> absl::StatusOr<std::unique_ptr<Projector>> {
      return std::make_unique<PixelShuffleProjector>(o, ctx.seed);
    },
    nullptr);

}  // namespace
}  // namespace vlmlab
