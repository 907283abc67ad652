// A sample out-of-tree plugin: an encoder named `toy_encoder`, built as a shared library that
// links no vlmlab code (only the header-only //platform/plugin_api and system libraries).
//
//   vlmlab plugins --plugin_lib=bazel-bin/plugins/examples/libtoy_encoder_plugin.so
//   # in an experiment:
//   encoder { external { name: "toy_encoder"
//     options { [type.googleapis.com/vlmlab_example.ToyEncoderOptions] { tokens: 9 width: 64 } } }
//     }
#include <memory>

#include "absl/strings/str_cat.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/plugin_api/plugin_abi.h"
#include "platform/plugin_api/registry.h"
#include "plugins/examples/toy_encoder_options.pb.h"

namespace {

class ToyEncoder : public vlmlab::Encoder {
 public:
  // TODO(model plugins): forward pass being written.
  absl::Status Build() override { return absl::OkStatus(); }
  absl::StatusOr<vlmlab::EncodedImages> Encode(const vlmlab::ImageBatch&) override {
    return absl::UnimplementedError("encoder forward not implemented yet");
  }
  vlmlab::Flops ForwardFlops() const override { return 0; }
  explicit ToyEncoder(const vlmlab_example::ToyEncoderOptions& o) : options_(o) {}
  vlmlab::VisualShape OutputShape() const override {
    return vlmlab::VisualShape{options_.tokens(), options_.width(), 0, 0};
  }

 private:
  vlmlab_example::ToyEncoderOptions options_;
};

absl::Status RegisterToyPlugins(vlmlab::PluginRegistries& registries) {
  return vlmlab::AddPlugin<vlmlab::Encoder, vlmlab_example::ToyEncoderOptions>(
      registries, "toy_encoder", "Sample out-of-tree encoder emitting a fixed number of tokens",
      [](const vlmlab_example::ToyEncoderOptions& o,
         const vlmlab::BuildContext&) -> absl::StatusOr<std::unique_ptr<vlmlab::Encoder>> {
        return std::make_unique<ToyEncoder>(o);
      },
      [](const vlmlab_example::ToyEncoderOptions& o, vlmlab::ValidationContext& ctx) {
        if (o.tokens() < 1) ctx.Error("tokens", absl::StrCat("must be positive, got ", o.tokens()));
        if (o.width() < 1) ctx.Error("width", absl::StrCat("must be positive, got ", o.width()));
      });
}

}  // namespace

VLMLAB_DEFINE_PLUGIN("toy_encoder_plugin", RegisterToyPlugins)
