#include "platform/ops/vision_ops.h"

#include <memory>
#include <vector>

#include "kernels/api/vision.h"
#include "platform/autograd/node.h"
#include "platform/ops/matmul_ops.h"
#include "platform/ops/op_support.h"
#include "platform/ops/shape_ops.h"

namespace vlmlab::ops {
namespace {

absl::Status Invalid(const char* op, const std::string& what, const Tensor& t,
                     const std::string& args, const std::string& why) {
  return absl::InvalidArgumentError(
      absl::StrCat(op, ": ", what, " ", ShapeString(t.shape()), args, ": ", why));
}

// a * b, or false when it overflows int64.
bool CheckedMul(int64_t a, int64_t b, int64_t* out) { return !__builtin_mul_overflow(a, b, out); }

// images [B, C, H, W] with a patch (or pooling window) p dividing H and W.
absl::Status CheckImages(const char* op, const Tensor& images, int64_t p, const char* p_name) {
  VLMLAB_RETURN_IF_ERROR(CheckDefined(op, images, "images"));
  const std::string args = absl::StrCat(" and ", p_name, " ", p);
  if (images.dim() != 4) return Invalid(op, "images", images, args, "want [B, C, H, W]");
  if (p < 1) return Invalid(op, "images", images, args, absl::StrCat(p_name, " must be >= 1"));
  const int64_t h = images.size(2), w = images.size(3);
  if (h < 1 || w < 1 || h % p != 0 || w % p != 0) {
    return Invalid(op, "images", images, args,
                   absl::StrCat("height ", h, " and width ", w, " must be positive multiples of ",
                                p_name, " ", p));
  }
  return absl::OkStatus();
}

// A grid (H, W) with a factor r dividing H and W.
absl::Status CheckGridFactor(const char* op, const std::string& what, const Tensor& t,
                             const std::string& args, int64_t gh, int64_t gw, int64_t r,
                             const char* r_name) {
  if (gh < 1 || gw < 1) return Invalid(op, what, t, args, "grid sizes must be >= 1");
  if (r < 1) return Invalid(op, what, t, args, absl::StrCat(r_name, " must be >= 1"));
  if (gh % r != 0 || gw % r != 0) {
    return Invalid(
        op, what, t, args,
        absl::StrCat(r_name, " ", r, " must divide grid height ", gh, " and width ", gw));
  }
  return absl::OkStatus();
}

// tokens [B, H*W, C] on the grid (H, W) with a factor r dividing H and W.
absl::Status CheckTokens(const char* op, const Tensor& tokens, int64_t gh, int64_t gw, int64_t r,
                         const char* r_name) {
  VLMLAB_RETURN_IF_ERROR(CheckDefined(op, tokens, "tokens"));
  const std::string args = absl::StrCat(" with grid (", gh, ", ", gw, ") and ", r_name, " ", r);
  if (tokens.dim() != 3) return Invalid(op, "tokens", tokens, args, "want [B, H*W, C]");
  VLMLAB_RETURN_IF_ERROR(CheckGridFactor(op, "tokens", tokens, args, gh, gw, r, r_name));
  const int64_t n = tokens.size(1);
  if (n % gh != 0 || n / gh != gw) {
    return Invalid(op, "tokens", tokens, args,
                   absl::StrCat(n, " tokens do not fill a ", gh, " x ", gw, " grid"));
  }
  return absl::OkStatus();
}

// [B, (H/r)*(W/r), C*r*r] for a grid (H, W) and factor r; sets *channels = C.
absl::Status CheckMerged(const char* op, const char* what, const Tensor& t, int64_t gh, int64_t gw,
                         int64_t r, const char* r_name, int64_t* channels) {
  VLMLAB_RETURN_IF_ERROR(CheckDefined(op, t, what));
  const std::string args = absl::StrCat(" with grid (", gh, ", ", gw, ") and ", r_name, " ", r);
  const char* want = "want [B, (H/r)*(W/r), C*r*r]";
  if (t.dim() != 3) return Invalid(op, what, t, args, want);
  VLMLAB_RETURN_IF_ERROR(CheckGridFactor(op, what, t, args, gh, gw, r, r_name));
  const int64_t n = t.size(1), d = t.size(2);
  if (n % (gh / r) != 0 || n / (gh / r) != gw / r) {
    return Invalid(op, what, t, args,
                   absl::StrCat(n, " rows do not fill a ", gh / r, " x ", gw / r, " grid"));
  }
  if (d % r != 0 || (d / r) % r != 0) {
    return Invalid(
        op, what, t, args,
        absl::StrCat("last size ", d, " is not a multiple of ", r, "*", r, " (", want, ")"));
  }
  *channels = d / r / r;
  return absl::OkStatus();
}

class ImageToPatchesBackward : public Node {
 public:
  ImageToPatchesBackward(int64_t h, int64_t w, int64_t p) : h_(h), w_(w), p_(p) {}
  const char* name() const override { return "image_to_patches"; }
  absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& g) override {
    VLMLAB_ASSIGN_OR_RETURN(Tensor gx, PatchesToImage(g, h_, w_, p_));
    return std::vector<Tensor>{gx};
  }

 private:
  int64_t h_, w_, p_;
};

class PatchesToImageBackward : public Node {
 public:
  explicit PatchesToImageBackward(int64_t p) : p_(p) {}
  const char* name() const override { return "patches_to_image"; }
  absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& g) override {
    VLMLAB_ASSIGN_OR_RETURN(Tensor gx, ImageToPatches(g, p_));
    return std::vector<Tensor>{gx};
  }

 private:
  int64_t p_;
};

class PixelShuffleBackward : public Node {
 public:
  PixelShuffleBackward(bool inverse, int64_t gh, int64_t gw, int64_t r)
      : inverse_(inverse), gh_(gh), gw_(gw), r_(r) {}
  const char* name() const override { return inverse_ ? "pixel_shuffle_inverse" : "pixel_shuffle"; }
  absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& g) override {
    VLMLAB_ASSIGN_OR_RETURN(
        Tensor gx, inverse_ ? PixelShuffle(g, gh_, gw_, r_) : PixelShuffleInverse(g, gh_, gw_, r_));
    return std::vector<Tensor>{gx};
  }

 private:
  bool inverse_;
  int64_t gh_, gw_, r_;
};

class AvgPoolBackward : public Node {
 public:
  AvgPoolBackward(GridLayout layout, int64_t gh, int64_t gw, int64_t k)
      : layout_(layout), gh_(gh), gw_(gw), k_(k) {}
  const char* name() const override { return "avg_pool"; }
  absl::StatusOr<std::vector<Tensor>> Apply(const Tensor& g) override {
    VLMLAB_ASSIGN_OR_RETURN(Tensor gx, NewTensor(inputs()[0].shape(), g));
    VLMLAB_ASSIGN_OR_RETURN(Tensor gc, MakeContiguous(g));
    VLMLAB_RETURN_IF_ERROR(
        AvgPoolBackwardKernels().Call(g.device(), g.dtype(), layout_, gc, gh_, gw_, k_, &gx));
    return std::vector<Tensor>{gx};
  }

 private:
  GridLayout layout_;
  int64_t gh_, gw_, k_;
};

absl::StatusOr<Tensor> AvgPool(GridLayout layout, const Tensor& x, int64_t gh, int64_t gw,
                               int64_t k, const Shape& out_shape) {
  const char* op = layout == GridLayout::kTokens ? "avg_pool_tokens" : "avg_pool2d";
  VLMLAB_RETURN_IF_ERROR(CheckFloating(op, x));
  VLMLAB_ASSIGN_OR_RETURN(Tensor out, NewTensor(out_shape, x));
  VLMLAB_ASSIGN_OR_RETURN(Tensor xc, MakeContiguous(x));
  VLMLAB_RETURN_IF_ERROR(AvgPoolKernels().Call(x.device(), x.dtype(), layout, xc, gh, gw, k, &out));
  RecordOp(std::make_shared<AvgPoolBackward>(layout, gh, gw, k), {x}, &out);
  return out;
}

}  // namespace

absl::StatusOr<Tensor> ImageToPatches(const Tensor& images, int64_t p) {
  VLMLAB_RETURN_IF_ERROR(CheckImages("image_to_patches", images, p, "patch"));
  const int64_t b = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
  int64_t pp, depth;
  if (!CheckedMul(p, p, &pp) || !CheckedMul(c, pp, &depth)) {
    return Invalid("image_to_patches", "images", images, absl::StrCat(" and patch ", p),
                   "patch size overflows");
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor out, NewTensor({b, (h / p) * (w / p), depth}, images));
  VLMLAB_ASSIGN_OR_RETURN(Tensor xc, MakeContiguous(images));
  VLMLAB_RETURN_IF_ERROR(
      ImageToPatchesKernels().Call(images.device(), images.dtype(), xc, p, &out));
  RecordOp(std::make_shared<ImageToPatchesBackward>(h, w, p), {images}, &out);
  return out;
}

absl::StatusOr<Tensor> PatchesToImage(const Tensor& patches, int64_t height, int64_t width,
                                      int64_t p) {
  int64_t c;
  VLMLAB_RETURN_IF_ERROR(
      CheckMerged("patches_to_image", "patches", patches, height, width, p, "patch", &c));
  VLMLAB_ASSIGN_OR_RETURN(Tensor out, NewTensor({patches.size(0), c, height, width}, patches));
  VLMLAB_ASSIGN_OR_RETURN(Tensor pc, MakeContiguous(patches));
  VLMLAB_RETURN_IF_ERROR(
      PatchesToImageKernels().Call(patches.device(), patches.dtype(), pc, p, &out));
  RecordOp(std::make_shared<PatchesToImageBackward>(p), {patches}, &out);
  return out;
}

absl::StatusOr<Tensor> PatchEmbed(const Tensor& images, const Tensor& weight, const Tensor& bias) {
  const char* op = "patch_embed";
  VLMLAB_RETURN_IF_ERROR(CheckDefined(op, weight, "weight"));
  VLMLAB_RETURN_IF_ERROR(CheckSameKind(op, images, weight));
  VLMLAB_RETURN_IF_ERROR(CheckFloating(op, images));
  const std::string args = absl::StrCat(" and weight ", ShapeString(weight.shape()));
  if (images.dim() != 4) return Invalid(op, "images", images, args, "want [B, C, H, W]");
  if (weight.dim() != 4 || weight.size(1) != images.size(1) || weight.size(2) != weight.size(3)) {
    return Invalid(op, "images", images, args, "weight must be [D, C, p, p] with C = images' C");
  }
  const int64_t p = weight.size(2);
  VLMLAB_RETURN_IF_ERROR(CheckImages(op, images, p, "patch"));
  if (bias.defined()) {
    VLMLAB_RETURN_IF_ERROR(CheckSameKind(op, weight, bias));
    if (bias.dim() != 1 || bias.size(0) != weight.size(0)) {
      return Invalid(op, "images", images,
                     absl::StrCat(args, " and bias ", ShapeString(bias.shape())),
                     "bias must be [D]");
    }
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor patches, ImageToPatches(images, p));
  VLMLAB_ASSIGN_OR_RETURN(Tensor w2, Reshape(weight, {weight.size(0), patches.size(2)}));
  return Linear(patches, w2, bias);
}

absl::StatusOr<Tensor> PixelShuffle(const Tensor& tokens, int64_t gh, int64_t gw, int64_t r) {
  VLMLAB_RETURN_IF_ERROR(CheckTokens("pixel_shuffle", tokens, gh, gw, r, "factor"));
  int64_t rr, depth;
  if (!CheckedMul(r, r, &rr) || !CheckedMul(tokens.size(2), rr, &depth)) {
    return Invalid("pixel_shuffle", "tokens", tokens, absl::StrCat(" and factor ", r),
                   "output size overflows");
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor out,
                          NewTensor({tokens.size(0), (gh / r) * (gw / r), depth}, tokens));
  VLMLAB_ASSIGN_OR_RETURN(Tensor tc, MakeContiguous(tokens));
  VLMLAB_RETURN_IF_ERROR(
      PixelShuffleKernels().Call(tokens.device(), tokens.dtype(), tc, gh, gw, r, &out));
  RecordOp(std::make_shared<PixelShuffleBackward>(false, gh, gw, r), {tokens}, &out);
  return out;
}

absl::StatusOr<Tensor> PixelShuffleInverse(const Tensor& shuffled, int64_t gh, int64_t gw,
                                           int64_t r) {
  int64_t c;
  VLMLAB_RETURN_IF_ERROR(
      CheckMerged("pixel_shuffle_inverse", "shuffled", shuffled, gh, gw, r, "factor", &c));
  int64_t n;
  if (!CheckedMul(gh, gw, &n)) {
    return Invalid("pixel_shuffle_inverse", "shuffled", shuffled,
                   absl::StrCat(" with grid (", gh, ", ", gw, ")"), "grid size overflows");
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor out, NewTensor({shuffled.size(0), n, c}, shuffled));
  VLMLAB_ASSIGN_OR_RETURN(Tensor sc, MakeContiguous(shuffled));
  VLMLAB_RETURN_IF_ERROR(
      PixelShuffleInverseKernels().Call(shuffled.device(), shuffled.dtype(), sc, gh, gw, r, &out));
  RecordOp(std::make_shared<PixelShuffleBackward>(true, gh, gw, r), {shuffled}, &out);
  return out;
}

absl::StatusOr<Tensor> AvgPoolTokens(const Tensor& tokens, int64_t gh, int64_t gw, int64_t k) {
  VLMLAB_RETURN_IF_ERROR(CheckTokens("avg_pool_tokens", tokens, gh, gw, k, "kernel"));
  return AvgPool(GridLayout::kTokens, tokens, gh, gw, k,
                 {tokens.size(0), (gh / k) * (gw / k), tokens.size(2)});
}

absl::StatusOr<Tensor> AvgPool2d(const Tensor& images, int64_t k) {
  VLMLAB_RETURN_IF_ERROR(CheckImages("avg_pool2d", images, k, "kernel"));
  const int64_t h = images.size(2), w = images.size(3);
  return AvgPool(GridLayout::kImages, images, h, w, k,
                 {images.size(0), images.size(1), h / k, w / k});
}

}  // namespace vlmlab::ops
