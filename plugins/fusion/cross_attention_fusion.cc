// `cross_attention`: Flamingo-style gated cross-attention blocks before every n-th LM block,
// tanh gates starting at gate_init. Registers options and the fit with the LLM; the forward
// pass arrives with the model issue.
#include <memory>

#include "absl/strings/str_cat.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/fusion.pb.h"

namespace vlmlab {
namespace {

class CrossAttentionFusion : public Fusion {
 public:
  // TODO(model plugins): forward pass being written.
  ImageLayout Layout(const VisualShape& v) const override { return ImageLayout{v.tokens, false}; }
  absl::Status Build(const VisualShape&, const LlmShape&) override { return absl::OkStatus(); }
  absl::StatusOr<FusedSequence> Fuse(const FusionInputs&, Llm&) override {
    return absl::UnimplementedError("fusion forward not implemented yet");
  }
  Flops ForwardFlops(const VisualShape&, const LlmShape&, int64_t, int64_t) const override {
    return 0;
  }
  explicit CrossAttentionFusion(const CrossAttentionFusionOptions& options) : options_(options) {}
  absl::Status CheckCompatible(const VisualShape& visual, const LlmShape& llm) const override {
    if (options_.every_n_layers() > llm.layers) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cross_attention.every_n_layers ", options_.every_n_layers(), " exceeds the LLM's ",
          llm.layers, " layers, so no cross-attention block would be inserted"));
    }
    int64_t heads = options_.heads() > 0 ? options_.heads() : llm.heads;
    if (heads <= 0 || llm.hidden % heads != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cross_attention.heads ", heads, " does not divide the LLM hidden size ", llm.hidden));
    }
    if (visual.dim != llm.hidden) {
      return absl::InvalidArgumentError(absl::StrCat("visual tokens of width ", visual.dim,
                                                     " cannot be attended by an LLM of width ",
                                                     llm.hidden));
    }
    return absl::OkStatus();
  }

 private:
  CrossAttentionFusionOptions options_;
};

VLMLAB_REGISTER_PLUGIN(
    Fusion, CrossAttentionFusionOptions, "cross_attention",
    "Gated cross-attention blocks before every n-th LM block (Flamingo)",
    [](const CrossAttentionFusionOptions& o,
       const BuildContext&) -> absl::StatusOr<std::unique_ptr<Fusion>> {
      return std::make_unique<CrossAttentionFusion>(o);
    },
    nullptr);

}  // namespace
}  // namespace vlmlab
