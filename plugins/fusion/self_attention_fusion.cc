// `self_attention`: fully autoregressive fusion: each image's visual tokens replace its
// placeholder in the LLM's input sequence (BLIP-2, LLaVA, Idefics2). Registers options and the
// sequence-length check; the forward pass arrives with the model issue.
#include <memory>

#include "absl/strings/str_cat.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/fusion.pb.h"

namespace vlmlab {
namespace {

class SelfAttentionFusion : public Fusion {
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
  explicit SelfAttentionFusion(const SelfAttentionFusionOptions& options) : options_(options) {}
  absl::Status CheckCompatible(const VisualShape& visual, const LlmShape& llm) const override {
    if (visual.dim != llm.hidden) {
      return absl::InvalidArgumentError(absl::StrCat("visual tokens of width ", visual.dim,
                                                     " cannot enter an LLM of width ", llm.hidden));
    }
    int64_t per_image = visual.tokens + (options_.image_delimiters() ? 2 : 0);
    int64_t images = options_.max_images_per_sample();
    if (per_image * images >= llm.max_seq_len) {
      return absl::InvalidArgumentError(absl::StrCat(
          "self_attention: ", images, " images of ", per_image, " tokens fill the LLM's ",
          llm.max_seq_len,
          "-token context with no room for text; lower "
          "max_images_per_sample, use fewer visual tokens, or raise the LLM's max_seq_len"));
    }
    return absl::OkStatus();
  }

 private:
  SelfAttentionFusionOptions options_;
};

VLMLAB_REGISTER_PLUGIN(
    Fusion, SelfAttentionFusionOptions, "self_attention",
    "Visual tokens inserted into the LLM sequence (BLIP-2, LLaVA, Idefics2)",
    [](const SelfAttentionFusionOptions& o,
       const BuildContext&) -> absl::StatusOr<std::unique_ptr<Fusion>> {
      return std::make_unique<SelfAttentionFusion>(o);
    },
    nullptr);

}  // namespace
}  // namespace vlmlab
