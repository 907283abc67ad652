// `avg_pool`: average pooling over k x k patch blocks, then a linear map; a baseline for token
// reduction.
//
//   projector { avg_pool { kernel: 2 } }
//
// tokens [N, (cls +) gh*gw, D] -> drop CLS -> ops::AvgPoolTokens [N, gh*gw/k^2, D]
// -> Linear -> [N, gh*gw/k^2, hidden]. The grid is the encoder's actual one: k must divide it.
// Parameters: proj.weight [hidden, D], proj.bias [hidden].
#include <memory>

#include "platform/base/status_macros.h"
#include "platform/nn/linear.h"
#include "platform/ops/vision_ops.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/projectors.pb.h"
#include "plugins/projectors/grid_pooling.h"
#include "plugins/projectors/projector_util.h"

namespace vlmlab {
namespace {

class AvgPoolProjector : public Projector {
 public:
  AvgPoolProjector(const AvgPoolProjectorOptions& options, uint64_t seed)
      : options_(options), seed_(seed) {}
  const char* type_name() const override { return "AvgPoolProjector"; }

  absl::StatusOr<VisualShape> OutputShape(const VisualShape& in,
                                          const LlmShape& llm) const override {
    return MergeGridBlocks(in, options_.kernel(), "avg_pool.kernel", llm.hidden);
  }

  absl::Status Build(const VisualShape& in, const LlmShape& llm) override {
    if (built_) return absl::FailedPreconditionError("avg_pool: Build called twice");
    VLMLAB_RETURN_IF_ERROR(OutputShape(in, llm).status());
    in_dim_ = in.dim;
    proj_ = RegisterModule("proj", std::make_unique<nn::Linear>(in.dim, llm.hidden));
    built_ = true;
    Initialize(seed_);
    return absl::OkStatus();
  }

  absl::StatusOr<Tensor> Project(const EncodedImages& in) override {
    VLMLAB_RETURN_IF_ERROR(CheckProjectorInput("avg_pool", built_, in, in_dim_));
    VLMLAB_ASSIGN_OR_RETURN(Tensor grid, GridTokens("avg_pool", in));  // [N, gh*gw, D]
    const int64_t k = options_.kernel();
    if (in.grid_h % k != 0 || in.grid_w % k != 0) {
      return absl::InvalidArgumentError(absl::StrCat("avg_pool.kernel ", k, " does not divide the ",
                                                     in.grid_h, "x", in.grid_w,
                                                     " patch grid of these images"));
    }
    VLMLAB_ASSIGN_OR_RETURN(Tensor pooled, ops::AvgPoolTokens(grid, in.grid_h, in.grid_w, k));
    return proj_->Forward(pooled);  // [N, gh*gw/k^2, hidden]
  }

  Flops ForwardFlops(const VisualShape& in, const LlmShape& llm) const override {
    absl::StatusOr<VisualShape> out = OutputShape(in, llm);
    if (!out.ok()) return 0;
    return 2.0 * static_cast<double>(out->tokens) * in.dim * llm.hidden;
  }

 private:
  AvgPoolProjectorOptions options_;
  uint64_t seed_;
  bool built_ = false;
  int64_t in_dim_ = 0;
  nn::Submodule proj_;
};

VLMLAB_REGISTER_PLUGIN(
    Projector, AvgPoolProjectorOptions, "avg_pool",
    "Average pooling over k x k patches, then a linear map (token-reduction baseline)",
    [](const AvgPoolProjectorOptions& o,
       const BuildContext& ctx) -> absl::StatusOr<std::unique_ptr<Projector>> {
      return std::make_unique<AvgPoolProjector>(o, ctx.seed);
    },
    nullptr);

}  // namespace
}  // namespace vlmlab
