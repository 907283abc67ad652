// `multi`: several encoders whose tokens are combined along the sequence or the channels
// (SPHINX). Builds its children through the registries it is given.
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/encoders.pb.h"
#include "platform/spec/slot_resolver.h"

namespace vlmlab {
namespace {

class MultiEncoder : public Encoder {
 public:
  // TODO(model plugins): forward pass being written.
  absl::Status Build() override { return absl::OkStatus(); }
  absl::StatusOr<EncodedImages> Encode(const ImageBatch&) override {
    return absl::UnimplementedError("encoder forward not implemented yet");
  }
  Flops ForwardFlops() const override { return 0; }
  explicit MultiEncoder(VisualShape shape) : shape_(shape) {}
  VisualShape OutputShape() const override { return shape_; }

 private:
  VisualShape shape_;
};

absl::StatusOr<std::unique_ptr<Encoder>> CreateMulti(const MultiEncoderOptions& o,
                                                     const BuildContext& ctx) {
  if (ctx.registries == nullptr) {
    return absl::FailedPreconditionError("multi encoder needs the plugin registries to build");
  }
  std::vector<VisualShape> shapes;
  for (int i = 0; i < o.encoders_size(); ++i) {
    absl::StatusOr<std::unique_ptr<Encoder>> child =
        CreateFromSlot<Encoder>(o.encoders(i), *ctx.registries, ctx);
    if (!child.ok()) {
      return absl::Status(child.status().code(),
                          absl::StrCat("multi.encoders[", i, "]: ", child.status().message()));
    }
    shapes.push_back((*child)->OutputShape());
  }
  VisualShape out = shapes.front();
  for (size_t i = 1; i < shapes.size(); ++i) {
    const VisualShape& s = shapes[i];
    if (o.combine() == MultiEncoderOptions::SEQUENCE) {
      if (s.dim != out.dim) {
        return absl::InvalidArgumentError(absl::StrCat(
            "multi.combine SEQUENCE needs equal widths, but encoders[0] gives ", out.dim,
            " and encoders[", i, "] gives ", s.dim, "; use combine: CHANNEL or match widths"));
      }
      out.tokens += s.tokens;
      out.grid_h = out.grid_w = 0;  // a concatenation of grids is not a grid
    } else {
      if (s.tokens != out.tokens || s.grid_h != out.grid_h || s.grid_w != out.grid_w) {
        return absl::InvalidArgumentError(absl::StrCat(
            "multi.combine CHANNEL needs the same tokens per image, but encoders[0] gives ",
            out.tokens, " (", out.grid_h, "x", out.grid_w, ") and encoders[", i, "] gives ",
            s.tokens, " (", s.grid_h, "x", s.grid_w, ")"));
      }
      out.dim += s.dim;
    }
  }
  return std::make_unique<MultiEncoder>(out);
}

void ValidateMulti(const MultiEncoderOptions& o, ValidationContext& ctx) {
  if (o.encoders_size() < 2) {
    ctx.Error("encoders", absl::StrCat("needs at least two encoders, has ", o.encoders_size(),
                                       "; with one, use it directly"));
  }
}

VLMLAB_REGISTER_PLUGIN(Encoder, MultiEncoderOptions, "multi",
                       "Several encoders, tokens concatenated by sequence or channel (SPHINX)",
                       CreateMulti, ValidateMulti);

}  // namespace
}  // namespace vlmlab
