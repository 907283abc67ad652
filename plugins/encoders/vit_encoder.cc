// `vit`: a Vision Transformer encoder (CLIP/SigLIP style). Registers its options, validation
// and output shape; the forward pass arrives with the tensor core (issue: Model plugins).
#include <memory>

#include "absl/strings/str_cat.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/encoders.pb.h"

namespace vlmlab {
namespace {

class VitEncoder : public Encoder {
 public:
  // TODO(model plugins): forward pass being written.
  absl::Status Build() override { return absl::OkStatus(); }
  absl::StatusOr<EncodedImages> Encode(const ImageBatch&) override {
    return absl::UnimplementedError("encoder forward not implemented yet");
  }
  Flops ForwardFlops() const override { return 0; }
  explicit VitEncoder(const VitOptions& options) : options_(options) {}
  VisualShape OutputShape() const override {
    int64_t grid = options_.image_size() / options_.patch_size();
    return VisualShape{grid * grid + (options_.cls_token() ? 1 : 0), options_.width(), grid, grid};
  }

 private:
  VitOptions options_;
};

void ValidateVit(const VitOptions& o, ValidationContext& ctx) {
  if (o.patch_size() > 0 && o.image_size() % o.patch_size() != 0) {
    ctx.Error("patch_size",
              absl::StrCat("patch_size ", o.patch_size(), " does not divide image_size ",
                           o.image_size(), "; the patch grid must be whole"));
  }
  if (o.heads() > 0 && o.width() % o.heads() != 0) {
    ctx.Error("heads", absl::StrCat(o.heads(), " heads do not divide width ", o.width()));
  }
  if (o.output_layer() >= o.depth() || o.output_layer() < -o.depth()) {
    ctx.Error("output_layer",
              absl::StrCat("output_layer ", o.output_layer(), " is outside the ", o.depth(),
                           " blocks (use 0..", o.depth() - 1, " or -1..-", o.depth(), ")"));
  }
}

VLMLAB_REGISTER_PLUGIN(
    Encoder, VitOptions, "vit", "Vision Transformer: patch embedding, pre-LN blocks (CLIP/SigLIP)",
    [](const VitOptions& o, const BuildContext&) -> absl::StatusOr<std::unique_ptr<Encoder>> {
      return std::make_unique<VitEncoder>(o);
    },
    ValidateVit);

}  // namespace
}  // namespace vlmlab
