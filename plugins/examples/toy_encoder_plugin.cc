// A sample out-of-tree plugin: an encoder named `toy_encoder`, built as a shared library that
// links no vlmlab code (only the header-only //platform/plugin_api and system libraries). Its
// calls into vlmlab (ops::Mean, nn::Linear, ...) resolve to the host binary's definitions when
// the library is loaded: the host links with -rdynamic.
//
//   vlmlab plugins --plugin_lib=bazel-bin/plugins/examples/libtoy_encoder_plugin.so
//   # in an experiment:
//   encoder { external { name: "toy_encoder"
//     options { [type.googleapis.com/vlmlab_example.ToyEncoderOptions] { tokens: 9 width: 64 } } }
//     }
//
// Forward: images [N, C, H, W] -> per-channel means [N, C] -> Linear(C, width) -> the same
// token repeated `tokens` times: [N, tokens, width]. Parameters: proj.weight [width, C],
// proj.bias [width].
#include <memory>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/nn/linear.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/shape_ops.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/plugin_api/plugin_abi.h"
#include "platform/plugin_api/registry.h"
#include "plugins/examples/toy_encoder_options.pb.h"

namespace {

class ToyEncoder : public vlmlab::Encoder {
 public:
  ToyEncoder(const vlmlab_example::ToyEncoderOptions& o, uint64_t seed)
      : options_(o), seed_(seed) {}
  const char* type_name() const override { return "ToyEncoder"; }

  vlmlab::VisualShape OutputShape() const override {
    return vlmlab::VisualShape{options_.tokens(), options_.width(), 0, 0};
  }

  absl::Status Build() override {
    if (proj_) return absl::FailedPreconditionError("toy_encoder: Build called twice");
    if (options_.channels() < 1 || options_.width() < 1 || options_.tokens() < 1) {
      return absl::InvalidArgumentError("toy_encoder: channels, width and tokens must be >= 1");
    }
    proj_ = RegisterModule(
        "proj", std::make_unique<vlmlab::nn::Linear>(options_.channels(), options_.width()));
    Initialize(seed_);
    return absl::OkStatus();
  }

  absl::StatusOr<vlmlab::EncodedImages> Encode(const vlmlab::ImageBatch& images) override {
    if (!proj_) return absl::FailedPreconditionError("toy_encoder: Encode before Build");
    const vlmlab::Tensor& x = images.pixels;
    if (!x.defined() || x.dim() != 4 || x.size(1) != options_.channels()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "toy_encoder: images ", x.defined() ? x.DebugString() : std::string("(undefined)"),
          ": want [N, ", options_.channels(), ", H, W]"));
    }
    const int64_t n = x.size(0);
    VLMLAB_ASSIGN_OR_RETURN(vlmlab::Tensor m, vlmlab::ops::Mean(x, {2, 3}));  // [N, C]
    VLMLAB_ASSIGN_OR_RETURN(m, proj_->Forward(m));                            // [N, width]
    VLMLAB_ASSIGN_OR_RETURN(m, vlmlab::ops::Reshape(m, {n, 1, options_.width()}));
    vlmlab::EncodedImages out;
    VLMLAB_ASSIGN_OR_RETURN(out.tokens,
                            vlmlab::ops::BroadcastTo(m, {n, options_.tokens(), options_.width()}));
    out.tokens = out.tokens.Contiguous();
    return out;
  }

  vlmlab::Flops ForwardFlops() const override {
    return 2.0 * options_.channels() * options_.width();
  }

 private:
  vlmlab_example::ToyEncoderOptions options_;
  uint64_t seed_;
  vlmlab::nn::Submodule proj_;
};

absl::Status RegisterToyPlugins(vlmlab::PluginRegistries& registries) {
  return vlmlab::AddPlugin<vlmlab::Encoder, vlmlab_example::ToyEncoderOptions>(
      registries, "toy_encoder", "Sample out-of-tree encoder emitting a fixed number of tokens",
      [](const vlmlab_example::ToyEncoderOptions& o,
         const vlmlab::BuildContext& ctx) -> absl::StatusOr<std::unique_ptr<vlmlab::Encoder>> {
        return std::make_unique<ToyEncoder>(o, ctx.seed);
      },
      [](const vlmlab_example::ToyEncoderOptions& o, vlmlab::ValidationContext& ctx) {
        if (o.tokens() < 1) ctx.Error("tokens", absl::StrCat("must be positive, got ", o.tokens()));
        if (o.width() < 1) ctx.Error("width", absl::StrCat("must be positive, got ", o.width()));
        if (o.channels() < 1) {
          ctx.Error("channels", absl::StrCat("must be positive, got ", o.channels()));
        }
      });
}

}  // namespace

VLMLAB_DEFINE_PLUGIN("toy_encoder_plugin", RegisterToyPlugins)
