// `multi`: several encoders whose tokens are combined along the sequence or the channels
// (SPHINX). Builds its children through the registries it is given.
//
//   encoder { multi { combine: CHANNEL
//     encoders { vit { image_size: 32 patch_size: 8 width: 64 depth: 2 heads: 4 } }
//     encoders { conv { image_size: 32 width: 16 stages: 3 } } } }
//
// SEQUENCE: tokens [N, T0 + T1 + ..., D] (widths must match); no grid, no CLS flag.
// CHANNEL: tokens [N, T, D0 + D1 + ...] (token counts, grids and CLS must match, also at run
// time for native-resolution inputs); the grid passes through.
// Every child sees the same images.
//
// Parameter names: "encoders.<i>." followed by the child's own names (e.g.
// "encoders.0.blocks.1.attn.q.weight").
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/nn/module.h"
#include "platform/ops/shape_ops.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/encoders.pb.h"
#include "platform/spec/slot_resolver.h"

namespace vlmlab {
namespace {

class MultiEncoder : public Encoder {
 public:
  MultiEncoder(VisualShape shape, MultiEncoderOptions::Combine combine,
               std::vector<std::unique_ptr<Encoder>> children)
      : shape_(shape), combine_(combine) {
    auto list = std::make_unique<nn::ModuleList>();
    for (auto& child : children) list->Append(std::move(child));
    encoders_ = RegisterModule("encoders", std::move(list));
  }
  const char* type_name() const override { return "MultiEncoder"; }
  VisualShape OutputShape() const override { return shape_; }
  // The first encoder's; all must take the same images.
  ImageInputSpec InputSpec() const override {
    absl::StatusOr<Encoder*> first = size() > 0 ? Child(0) : absl::StatusOr<Encoder*>(nullptr);
    return first.ok() && *first != nullptr ? (*first)->InputSpec() : ImageInputSpec{};
  }

  absl::Status Build() override {
    for (size_t i = 0; i < size(); ++i) {
      VLMLAB_ASSIGN_OR_RETURN(Encoder * child, Child(i));
      absl::Status s = child->Build();
      if (!s.ok()) {
        return absl::Status(s.code(), absl::StrCat("multi.encoders[", i, "]: ", s.message()));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<EncodedImages> Encode(const ImageBatch& images) override {
    std::vector<EncodedImages> parts;
    std::vector<Tensor> tokens;
    for (size_t i = 0; i < size(); ++i) {
      VLMLAB_ASSIGN_OR_RETURN(Encoder * child, Child(i));
      absl::StatusOr<EncodedImages> e = child->Encode(images);
      if (!e.ok()) {
        return absl::Status(e.status().code(),
                            absl::StrCat("multi.encoders[", i, "]: ", e.status().message()));
      }
      if (i > 0) VLMLAB_RETURN_IF_ERROR(CheckMatch(parts.front(), *e, i));
      tokens.push_back(e->tokens);
      parts.push_back(*std::move(e));
    }
    EncodedImages out;
    if (combine_ == MultiEncoderOptions::SEQUENCE) {
      VLMLAB_ASSIGN_OR_RETURN(out.tokens, ops::Concat(tokens, 1));  // [N, sum T, D]
    } else {
      VLMLAB_ASSIGN_OR_RETURN(out.tokens, ops::Concat(tokens, 2));  // [N, T, sum D]
      out.grid_h = parts.front().grid_h;
      out.grid_w = parts.front().grid_w;
      out.cls = parts.front().cls;
    }
    out.token_mask = CombinedMask(parts);
    return out;
  }

  // The children's padding masks (EncodedImages::token_mask) side by side as their tokens are
  // combined: concatenated for SEQUENCE (a child without one counts all real); for CHANNELS
  // the children share one grid, so any child's mask is the mask.
  Tensor CombinedMask(const std::vector<EncodedImages>& parts) const {
    bool any = false;
    for (const EncodedImages& p : parts) any = any || p.token_mask.defined();
    if (!any) return Tensor();
    if (combine_ != MultiEncoderOptions::SEQUENCE) {
      for (const EncodedImages& p : parts) {
        if (p.token_mask.defined()) return p.token_mask;
      }
    }
    const int64_t n = parts.front().tokens.size(0);
    std::vector<std::vector<int32_t>> rows(n);
    for (const EncodedImages& p : parts) {
      const int64_t t = p.tokens.size(1);
      std::vector<int32_t> m = p.token_mask.defined() ? p.token_mask.Contiguous().ToInts()
                                                      : std::vector<int32_t>(n * t, 1);
      for (int64_t i = 0; i < n; ++i)
        rows[i].insert(rows[i].end(), m.begin() + i * t, m.begin() + (i + 1) * t);
    }
    std::vector<int32_t> flat;
    for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
    return Tensor::FromInts({n, static_cast<int64_t>(rows.front().size())}, flat);
  }

  Flops ForwardFlops() const override {
    Flops total = 0;
    for (size_t i = 0; i < size(); ++i) {
      if (auto* e = (*encoders_.As<nn::ModuleList>())[i].As<Encoder>()) total += e->ForwardFlops();
    }
    return total;
  }

 private:
  size_t size() const { return encoders_.As<nn::ModuleList>()->size(); }
  absl::StatusOr<Encoder*> Child(size_t i) const {
    auto* e = (*encoders_.As<nn::ModuleList>())[i].As<Encoder>();
    if (e == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("multi: encoders.", i, " was replaced by a module that is not an Encoder"));
    }
    return e;
  }

  absl::Status CheckMatch(const EncodedImages& first, const EncodedImages& e, size_t i) const {
    const Tensor& a = first.tokens;
    const Tensor& b = e.tokens;
    if (a.dim() != 3 || b.dim() != 3 || a.size(0) != b.size(0)) {
      return absl::InternalError(absl::StrCat("multi: encoders[0] gave ", a.DebugString(),
                                              " and encoders[", i, "] gave ", b.DebugString()));
    }
    if (combine_ == MultiEncoderOptions::SEQUENCE) {
      if (a.size(2) != b.size(2)) {
        return absl::InvalidArgumentError(
            absl::StrCat("multi.combine SEQUENCE: encoders[0] gives width ", a.size(2),
                         " and encoders[", i, "] gives ", b.size(2)));
      }
      return absl::OkStatus();
    }
    if (a.size(1) != b.size(1) || first.grid_h != e.grid_h || first.grid_w != e.grid_w ||
        first.cls != e.cls) {
      return absl::InvalidArgumentError(absl::StrCat(
          "multi.combine CHANNEL needs the same tokens per image, but for these images "
          "encoders[0] gives ",
          a.size(1), " (", first.grid_h, "x", first.grid_w, first.cls ? " + CLS" : "",
          ") and encoders[", i, "] gives ", b.size(1), " (", e.grid_h, "x", e.grid_w,
          e.cls ? " + CLS" : "", "); use images at the configured size or combine: SEQUENCE"));
    }
    return absl::OkStatus();
  }

  VisualShape shape_;
  MultiEncoderOptions::Combine combine_;
  nn::Submodule encoders_;
};

absl::StatusOr<std::unique_ptr<Encoder>> CreateMulti(const MultiEncoderOptions& o,
                                                     const BuildContext& ctx) {
  if (ctx.registries == nullptr) {
    return absl::FailedPreconditionError("multi encoder needs the plugin registries to build");
  }
  if (o.encoders_size() < 1) {
    return absl::InvalidArgumentError("multi.encoders is empty; list at least two encoders");
  }
  std::vector<std::unique_ptr<Encoder>> children;
  std::vector<VisualShape> shapes;
  for (int i = 0; i < o.encoders_size(); ++i) {
    // Each child draws its own random streams (e.g. patch dropping) from a distinct seed.
    BuildContext child_ctx = ctx;
    child_ctx.seed = nn::ParameterSeed(ctx.seed, absl::StrCat("encoders.", i));
    absl::StatusOr<std::unique_ptr<Encoder>> child =
        CreateFromSlot<Encoder>(o.encoders(i), *ctx.registries, child_ctx);
    if (!child.ok()) {
      return absl::Status(child.status().code(),
                          absl::StrCat("multi.encoders[", i, "]: ", child.status().message()));
    }
    shapes.push_back((*child)->OutputShape());
    children.push_back(*std::move(child));
  }
  VisualShape out = shapes.front();
  if (o.combine() == MultiEncoderOptions::SEQUENCE) {
    out.grid_h = out.grid_w = 0;  // a concatenation of grids is not a grid
    out.cls = false;
  }
  for (size_t i = 1; i < shapes.size(); ++i) {
    const VisualShape& s = shapes[i];
    if (o.combine() == MultiEncoderOptions::SEQUENCE) {
      if (s.dim != out.dim) {
        return absl::InvalidArgumentError(absl::StrCat(
            "multi.combine SEQUENCE needs equal widths, but encoders[0] gives ", out.dim,
            " and encoders[", i, "] gives ", s.dim, "; use combine: CHANNEL or match widths"));
      }
      out.tokens += s.tokens;
    } else {
      if (s.tokens != out.tokens || s.grid_h != out.grid_h || s.grid_w != out.grid_w ||
          s.cls != out.cls) {
        return absl::InvalidArgumentError(absl::StrCat(
            "multi.combine CHANNEL needs the same tokens per image, but encoders[0] gives ",
            out.tokens, " (", out.grid_h, "x", out.grid_w, out.cls ? " + CLS" : "",
            ") and encoders[", i, "] gives ", s.tokens, " (", s.grid_h, "x", s.grid_w,
            s.cls ? " + CLS" : "", ")"));
      }
      out.dim += s.dim;
    }
  }
  return std::make_unique<MultiEncoder>(out, o.combine(), std::move(children));
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
