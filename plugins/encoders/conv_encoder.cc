// `conv`: a small residual CNN encoder, a different inductive bias to compare with `vit`.
// Registers its options, validation and output shape; the forward pass arrives with the
// tensor core (issue: Model plugins).
#include <memory>

#include "absl/strings/str_cat.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/encoders.pb.h"

namespace vlmlab {
namespace {

// Total downsampling: the stem's stride, then a halving per stage after the first.
int64_t Downsampling(const ConvEncoderOptions& o) {
  return static_cast<int64_t>(o.stem_stride()) << (o.stages() - 1);
}

class ConvEncoder : public Encoder {
 public:
  // TODO(model plugins): forward pass being written.
  absl::Status Build() override { return absl::OkStatus(); }
  absl::StatusOr<EncodedImages> Encode(const ImageBatch&) override {
    return absl::UnimplementedError("encoder forward not implemented yet");
  }
  Flops ForwardFlops() const override { return 0; }
  explicit ConvEncoder(const ConvEncoderOptions& options) : options_(options) {}
  VisualShape OutputShape() const override {
    int64_t grid = options_.image_size() / Downsampling(options_);
    return VisualShape{
        grid * grid, static_cast<int64_t>(options_.width()) << (options_.stages() - 1), grid, grid};
  }

 private:
  ConvEncoderOptions options_;
};

void ValidateConv(const ConvEncoderOptions& o, ValidationContext& ctx) {
  if (o.stages() < 1 || o.stages() > 8 || o.stem_stride() < 1) return;  // range errors already
  int64_t down = Downsampling(o);
  if (o.image_size() % down != 0) {
    ctx.Error("image_size",
              absl::StrCat("image_size ", o.image_size(), " is not a multiple of the total stride ",
                           down, " (stem_stride ", o.stem_stride(), " x 2^(stages - 1))"));
  }
}

VLMLAB_REGISTER_PLUGIN(
    Encoder, ConvEncoderOptions, "conv", "Residual CNN: strided stem, stages halving resolution",
    [](const ConvEncoderOptions& o, const BuildContext&)
        -> absl::StatusOr<std::unique_ptr<Encoder>> { return std::make_unique<ConvEncoder>(o); },
    ValidateConv);

}  // namespace
}  // namespace vlmlab
