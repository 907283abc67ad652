// `vit`: a Vision Transformer encoder (CLIP / SigLIP style).
//
//   encoder { vit { image_size: 64 patch_size: 8 width: 128 depth: 4 heads: 4 } }
//
// Forward (images [N, C, H, W] -> tokens [N, T, D]):
//   1. patch embedding: a p x p, stride-p convolution (ops::PatchEmbed) -> [N, gh*gw, D]
//   2. + positions: LEARNED, a table for the configured g x g grid, resized bilinearly to the
//      actual grid (a fixed matrix times the table, so its gradient reaches the table; the
//      table itself when the grid is the configured one); or SINCOS_2D, fixed, for any grid
//   3. training with patch_drop > 0: each image keeps a random floor(G * (1 - patch_drop))
//      of its patches (FLIP); the tokens then form no grid (EncodedImages grid 0 x 0). The
//      draws depend on the experiment seed and a per-encoder call counter only.
//   4. cls_token: a learned token (plus its own learned position, or none with SINCOS_2D)
//      is prepended (CLIP); SigLIP has none
//   5. pre_norm: LayerNorm (CLIP's pre_layrnorm)
//   6. pre-LN blocks 0 .. output_layer (later blocks are not built)
//   7. post_norm (default on): LayerNorm on that output (SigLIP's post_layernorm). LLaVA reads
//      CLIP's penultimate block without a norm: output_layer: -2, post_norm: false.
// Image sizes: exactly image_size x image_size, or with native_resolution any H and W that
// are multiples of patch_size up to image_size (the grid in EncodedImages is the actual one).
// SetImageSize (a stage's image_size, rising resolution) moves that size to any multiple of
// patch_size; the learned table keeps its configured grid and is resized to the new one in
// every forward pass, so its gradient reaches the table and checkpoints keep their shapes.
// A batch of mixed sizes comes zero-padded to its largest (ImageBatch::sizes): each image's
// patches then get the positions of its own grid, and its padding patches are masked out of
// every block's attention keys and marked 0 in EncodedImages::token_mask, so an image's tokens
// are those it has alone.
//
// Parameter names (children of the model's "encoder"):
//   patch_embed.weight [D, C, p, p], patch_embed.bias [D]
//   cls_token [D]                              (cls_token only)
//   pos_embed [cls + g*g, D]                   (LEARNED only; row 0 is the CLS position)
//   pre_norm.{weight,bias}                     (pre_norm only)
//   blocks.<i>.norm1, .attn.{q,k,v,o}, .norm2, .fc1, .fc2   (weights and biases; vit_block.h)
//   post_norm.{weight,bias}                    (post_norm only)
// Hugging Face SigLIP / CLIP vision towers map onto these names: hf_vision_names.h.
#include <array>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/nn/module.h"
#include "platform/nn/norm_layers.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/embedding_ops.h"
#include "platform/ops/matmul_ops.h"
#include "platform/ops/shape_ops.h"
#include "platform/ops/vision_ops.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/encoders.pb.h"
#include "plugins/encoders/hf_vision_names.h"
#include "plugins/encoders/patch_drop.h"
#include "plugins/encoders/position_embedding.h"
#include "plugins/encoders/vit_block.h"

namespace vlmlab {
namespace {

// Conv2d(C, D, p, stride p) as a module: "weight" [D, C, p, p], "bias" [D].
class PatchEmbedding : public nn::Module {
 public:
  PatchEmbedding(int64_t channels, int64_t dim, int64_t patch) {
    weight_ = RegisterParameter("weight", Tensor::Zeros({dim, channels, patch, patch}));
    bias_ = RegisterParameter("bias", Tensor::Zeros({dim}));
  }
  const char* type_name() const override { return "PatchEmbed"; }
  absl::StatusOr<Tensor> Forward(const Tensor& images) override {
    return ops::PatchEmbed(images, *weight_, *bias_);  // [N, G, D]
  }
  void ResetParameters(const nn::ParamInit& init) override {
    const float bound = 1.0f / std::sqrt(static_cast<float>(weight_->numel() / weight_->size(0)));
    init.Uniform(*weight_, "weight", -bound, bound);
    init.Uniform(*bias_, "bias", -bound, bound);
  }

 private:
  nn::ParamRef weight_, bias_;
};

VitActivation ToActivation(VitOptions::Activation a) {
  switch (a) {
    case VitOptions::GELU_ERF:
      return VitActivation::kGeluErf;
    case VitOptions::QUICK_GELU:
      return VitActivation::kQuickGelu;
    default:
      return VitActivation::kGeluTanh;
  }
}

// Calls report(field, message) for each option that does not fit the others (the validator's
// checks; Build repeats them for plugins created without validation).
template <typename Report>
void ForEachVitProblem(const VitOptions& o, Report report) {
  if (o.image_size() < 1 || o.patch_size() < 1 || o.width() < 1 || o.depth() < 1 || o.heads() < 1 ||
      o.channels() < 1) {
    report("image_size",
           "image_size, patch_size, channels, width, depth and heads must all be >= 1");
    return;
  }
  if (o.image_size() % o.patch_size() != 0) {
    report("patch_size", absl::StrCat("patch_size ", o.patch_size(), " does not divide image_size ",
                                      o.image_size(), "; the patch grid must be whole"));
  }
  if (o.width() % o.heads() != 0) {
    report("heads", absl::StrCat(o.heads(), " heads do not divide width ", o.width()));
  }
  if (o.output_layer() >= o.depth() || o.output_layer() < -o.depth()) {
    report("output_layer",
           absl::StrCat("output_layer ", o.output_layer(), " is outside the ", o.depth(),
                        " blocks (use 0..", o.depth() - 1, " or -1..-", o.depth(), ")"));
  }
  if (o.position_embedding() == VitOptions::SINCOS_2D && o.width() % 4 != 0) {
    report("position_embedding",
           absl::StrCat("SINCOS_2D needs width a multiple of 4, but width is ", o.width(),
                        "; use LEARNED or change width"));
  }
  if (!(o.patch_drop() >= 0 && o.patch_drop() < 1)) {
    report("patch_drop", absl::StrCat("patch_drop ", o.patch_drop(), " must be in [0, 1)"));
  }
}

class VitEncoder : public Encoder {
 public:
  VitEncoder(const VitOptions& options, uint64_t seed)
      : options_(options), seed_(seed), size_(options.image_size()) {}

  const char* type_name() const override { return "VitEncoder"; }

  // The patch grid at the current image size, and that of the learned position table (the
  // configured image_size).
  int64_t grid() const { return size_ / options_.patch_size(); }
  int64_t table_grid() const { return options_.image_size() / options_.patch_size(); }
  int64_t last_block() const {
    return options_.output_layer() >= 0 ? options_.output_layer()
                                        : options_.depth() + options_.output_layer();
  }
  int64_t mlp_hidden() const {
    return std::max<int64_t>(1, std::llround(options_.mlp_ratio() * options_.width()));
  }
  bool learned() const { return options_.position_embedding() == VitOptions::LEARNED; }

  ImageInputSpec InputSpec() const override {
    ImageInputSpec in;  // SigLIP-style normalisation to [-1, 1]
    in.size = size_;
    in.patch = options_.patch_size();
    in.channels = options_.channels();
    in.native_resolution = options_.native_resolution();
    return in;
  }

  VisualShape OutputShape() const override {
    const int64_t g = grid();
    return VisualShape{g * g + (options_.cls_token() ? 1 : 0), options_.width(), g, g,
                       options_.cls_token()};
  }

  absl::Status Build() override {
    if (built_) return absl::FailedPreconditionError("vit: Build called twice");
    std::string problems;
    ForEachVitProblem(options_, [&](const char* field, const std::string& message) {
      absl::StrAppend(&problems, problems.empty() ? "" : "; ", "vit.", field, ": ", message);
    });
    if (!problems.empty()) return absl::InvalidArgumentError(problems);
    const int64_t d = options_.width(), g = table_grid();
    const float eps = options_.layer_norm_eps();
    patch_embed_ = RegisterModule(
        "patch_embed",
        std::make_unique<PatchEmbedding>(options_.channels(), d, options_.patch_size()));
    if (options_.cls_token()) cls_token_ = RegisterParameter("cls_token", Tensor::Zeros({d}));
    if (learned()) {
      pos_embed_ = RegisterParameter("pos_embed",
                                     Tensor::Zeros({g * g + (options_.cls_token() ? 1 : 0), d}));
    }
    if (options_.pre_norm()) {
      pre_norm_ = RegisterModule("pre_norm", std::make_unique<nn::LayerNorm>(d, eps));
    }
    auto blocks = std::make_unique<nn::ModuleList>();
    for (int64_t i = 0; i <= last_block(); ++i) {
      blocks->Append(std::make_unique<VitBlock>(d, options_.heads(), mlp_hidden(),
                                                ToActivation(options_.activation()), eps));
    }
    blocks_ = RegisterModule("blocks", std::move(blocks));
    if (options_.post_norm()) {
      post_norm_ = RegisterModule("post_norm", std::make_unique<nn::LayerNorm>(d, eps));
    }
    built_ = true;
    Initialize(seed_);
    return absl::OkStatus();
  }

  void ResetParameters(const nn::ParamInit& init) override {
    if (cls_token_) init.Normal(*cls_token_, "cls_token", 0.02f);
    if (pos_embed_) init.Normal(*pos_embed_, "pos_embed", 0.02f);
  }

  absl::StatusOr<EncodedImages> Encode(const ImageBatch& images) override {
    if (!built_) return absl::FailedPreconditionError("vit: Encode before Build");
    VLMLAB_RETURN_IF_ERROR(CheckImages(images.pixels));
    const int64_t n = images.pixels.size(0);
    const int64_t gh = images.pixels.size(2) / options_.patch_size();
    const int64_t gw = images.pixels.size(3) / options_.patch_size();
    VLMLAB_ASSIGN_OR_RETURN(Tensor x, patch_embed_->Forward(images.pixels));  // [N, G, D]
    VLMLAB_ASSIGN_OR_RETURN(std::vector<Grid> grids, PaddedGrids(images, gh, gw));
    Tensor pos, mask;  // mask: i32 [N, G], 1 = a patch of the image, 0 = of its padding
    if (grids.empty()) {
      VLMLAB_ASSIGN_OR_RETURN(pos, GridPositions(gh, gw));  // [G, D]
    } else {
      VLMLAB_ASSIGN_OR_RETURN(pos, PaddedPositions(grids, gh, gw));  // [N, G, D]
      mask = PatchMask(grids, gh, gw);
    }
    VLMLAB_ASSIGN_OR_RETURN(x, ops::Add(x, pos));
    EncodedImages out;
    out.grid_h = gh;
    out.grid_w = gw;
    if (is_training() && options_.patch_drop() > 0) {
      if (mask.defined()) {
        return absl::InvalidArgumentError(
            "vit: patch_drop on a padded native-resolution batch would drop padding and "
            "image patches alike; set patch_drop: 0 or give images of one size");
      }
      const uint64_t seed = nn::ParameterSeed(seed_, absl::StrCat("vit.patch_drop.", calls_++));
      VLMLAB_ASSIGN_OR_RETURN(x, DropPatches(x, options_.patch_drop(), seed));
      out.grid_h = out.grid_w = 0;  // a subset of the grid is not a grid
    }
    if (options_.cls_token()) {
      Tensor cls = *cls_token_;  // [D]
      if (pos_embed_) {
        VLMLAB_ASSIGN_OR_RETURN(Tensor cls_pos, ops::Slice(*pos_embed_, 0, 0, 1));  // [1, D]
        VLMLAB_ASSIGN_OR_RETURN(cls, ops::Add(cls, cls_pos));
      }
      const int64_t d = options_.width();
      VLMLAB_ASSIGN_OR_RETURN(cls, ops::Reshape(cls, {1, 1, d}));
      VLMLAB_ASSIGN_OR_RETURN(cls, ops::BroadcastTo(cls, {n, 1, d}));
      VLMLAB_ASSIGN_OR_RETURN(x, ops::Concat({cls, x}, 1));  // [N, 1 + G, D]
      out.cls = true;
    }
    if (pre_norm_) {
      VLMLAB_ASSIGN_OR_RETURN(x, pre_norm_->Forward(x));
    }
    auto* blocks = blocks_.As<nn::ModuleList>();
    for (size_t i = 0; i < blocks->size(); ++i) {
      auto* block = (*blocks)[i].As<VitBlock>();
      if (block == nullptr) {
        return absl::FailedPreconditionError(
            absl::StrCat("vit: blocks.", i, " was replaced by a module that is not a VitBlock"));
      }
      VLMLAB_ASSIGN_OR_RETURN(x, block->Forward(x, mask));
    }
    if (post_norm_) {
      VLMLAB_ASSIGN_OR_RETURN(x, post_norm_->Forward(x));
    }
    out.tokens = x;
    out.token_mask = mask;
    return out;
  }

  // Hugging Face CLIP and SigLIP vision towers (hf_vision_names.h).
  absl::StatusOr<nn::TensorMap> ImportWeights(const std::string& naming,
                                              const nn::TensorMap& file) const override {
    if (naming != "hf_clip_vision" && naming != "hf_siglip_vision") {
      return Encoder::ImportWeights(naming, file);
    }
    VLMLAB_ASSIGN_OR_RETURN(encoders::HfVisionTower tower,
                            encoders::HfVisionForModule(file, *this));
    return tower.state;
  }

  absl::Status SetImageSize(int64_t size) override {
    const int64_t p = options_.patch_size();
    if (size < p || size % p != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("vit: image size ", size, " is not a positive multiple of patch_size ", p));
    }
    size_ = size;  // the position table is resized to the new grid in every forward pass
    return absl::OkStatus();
  }

  Flops ForwardFlops() const override {
    const double g = static_cast<double>(grid() * grid());
    const double t = g + (options_.cls_token() ? 1 : 0), d = options_.width();
    const double p = options_.patch_size(), c = options_.channels();
    const double hidden = static_cast<double>(mlp_hidden());
    const double patch = 2 * g * (c * p * p) * d;
    const double block = 2 * t * d * d * 4          // q, k, v, o projections
                         + 2 * 2 * t * t * d        // scores and weighted values
                         + 2 * 2 * t * d * hidden;  // fc1, fc2
    return patch + static_cast<double>(last_block() + 1) * block;
  }

 private:
  absl::Status CheckImages(const Tensor& pixels) const {
    const std::string prefix = absl::StrCat(
        "vit: images ", pixels.defined() ? pixels.DebugString() : std::string("(undefined)"), ": ");
    if (!pixels.defined() || pixels.dim() != 4 || pixels.dtype() != DType::kF32) {
      return absl::InvalidArgumentError(absl::StrCat(prefix, "want f32 [N, C, H, W]"));
    }
    if (pixels.size(1) != options_.channels()) {
      return absl::InvalidArgumentError(
          absl::StrCat(prefix, pixels.size(1), " channels, but vit.channels is ",
                       options_.channels(), "; convert the images or set channels"));
    }
    const int64_t h = pixels.size(2), w = pixels.size(3), p = options_.patch_size();
    const int64_t s = size_;
    if (h < p || w < p || h % p != 0 || w % p != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(prefix, "height ", h, " and width ", w,
                       " must be positive multiples of vit.patch_size ", p));
    }
    if (options_.native_resolution()) {
      if (h > s || w > s) {
        return absl::InvalidArgumentError(absl::StrCat(
            prefix, "native_resolution takes sides up to the image size ", s, "; resize first"));
      }
    } else if (h != s || w != s) {
      return absl::InvalidArgumentError(
          absl::StrCat(prefix, "the vit takes ", s, "x", s,
                       " images; resize the images or set native_resolution: true"));
    }
    return absl::OkStatus();
  }

  using Grid = std::array<int64_t, 2>;  // patch rows, patch columns

  // Each image's own patch grid when the batch is zero-padded (ImageBatch::sizes) and some
  // image does not fill the gh x gw grid; empty when there is nothing to mask.
  absl::StatusOr<std::vector<Grid>> PaddedGrids(const ImageBatch& images, int64_t gh,
                                                int64_t gw) const {
    if (images.sizes.empty()) return std::vector<Grid>();
    const int64_t n = images.pixels.size(0), p = options_.patch_size();
    if (static_cast<int64_t>(images.sizes.size()) != n) {
      return absl::InvalidArgumentError(absl::StrCat("vit: the batch gives ", images.sizes.size(),
                                                     " image sizes for ", n, " images"));
    }
    std::vector<Grid> grids;
    bool padded = false;
    for (int64_t i = 0; i < n; ++i) {
      const auto [h, w] = images.sizes[i];
      if (h < p || w < p || h % p != 0 || w % p != 0 || h > gh * p || w > gw * p) {
        return absl::InvalidArgumentError(
            absl::StrCat("vit: image ", i, " is ", h, "x", w,
                         " before padding; sides must be multiples of "
                         "vit.patch_size ",
                         p, " within the padded ", gh * p, "x", gw * p));
      }
      grids.push_back({h / p, w / p});
      padded = padded || h / p != gh || w / p != gw;
    }
    if (!padded) return std::vector<Grid>();
    return grids;
  }

  // Each image's positions, those of its own grid (GridPositions), at the top left of the
  // padded gh x gw grid, zero on the padding: [N, gh*gw, D].
  absl::StatusOr<Tensor> PaddedPositions(const std::vector<Grid>& grids, int64_t gh, int64_t gw) {
    std::map<Grid, int32_t> first_row;  // grid -> its first row in `tables`
    std::vector<Tensor> tables;
    int32_t rows = 0;
    for (const Grid& g : grids) {
      if (first_row.count(g)) continue;
      VLMLAB_ASSIGN_OR_RETURN(Tensor t, GridPositions(g[0], g[1]));  // [g0*g1, D]
      first_row[g] = rows;
      rows += static_cast<int32_t>(g[0] * g[1]);
      tables.push_back(t);
    }
    tables.push_back(Tensor::Zeros({1, options_.width()}));  // row `rows`: padding
    VLMLAB_ASSIGN_OR_RETURN(Tensor all, ops::Concat(tables, 0));
    const int64_t n = static_cast<int64_t>(grids.size());
    std::vector<int32_t> index(n * gh * gw, rows);
    for (int64_t i = 0; i < n; ++i) {
      const Grid& g = grids[i];
      for (int64_t r = 0; r < g[0]; ++r) {
        for (int64_t c = 0; c < g[1]; ++c) {
          index[(i * gh + r) * gw + c] = first_row[g] + static_cast<int32_t>(r * g[1] + c);
        }
      }
    }
    return ops::Embedding(Tensor::FromInts({n, gh * gw}, index), all);
  }

  // i32 [N, cls + gh*gw]: 1 for the CLS token and each image's own patches.
  Tensor PatchMask(const std::vector<Grid>& grids, int64_t gh, int64_t gw) const {
    const int64_t n = static_cast<int64_t>(grids.size()), first = options_.cls_token() ? 1 : 0;
    const int64_t t = first + gh * gw;
    std::vector<int32_t> mask(n * t, 0);
    for (int64_t i = 0; i < n; ++i) {
      if (first) mask[i * t] = 1;
      for (int64_t r = 0; r < grids[i][0]; ++r) {
        for (int64_t c = 0; c < grids[i][1]; ++c) mask[i * t + first + r * gw + c] = 1;
      }
    }
    return Tensor::FromInts({n, t}, mask);
  }

  // Positions of the patch tokens of a gh x gw grid: [gh*gw, D].
  absl::StatusOr<Tensor> GridPositions(int64_t gh, int64_t gw) {
    const int64_t g = table_grid();
    if (!learned())
      return CachedConstant(gh, gw, [&] { return SinCos2d(gh, gw, options_.width()); });
    const int64_t first = options_.cls_token() ? 1 : 0;
    VLMLAB_ASSIGN_OR_RETURN(Tensor table,
                            ops::Slice(*pos_embed_, 0, first, first + g * g));  // [g*g, D]
    if (gh == g && gw == g) return table;
    Tensor m = CachedConstant(gh, gw, [&] { return BilinearResizeMatrix(g, g, gh, gw); });
    return ops::Matmul(m, table);  // [gh*gw, g*g] x [g*g, D]
  }

  template <typename Make>
  Tensor CachedConstant(int64_t gh, int64_t gw, Make make) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = constants_.find({gh, gw});
    if (it == constants_.end()) it = constants_.emplace(std::make_pair(gh, gw), make()).first;
    return it->second;
  }

  VitOptions options_;
  uint64_t seed_;
  int64_t size_;  // current image side (SetImageSize); the configured image_size by default
  bool built_ = false;
  uint64_t calls_ = 0;  // training forward passes with patch dropping
  nn::Submodule patch_embed_, pre_norm_, blocks_, post_norm_;
  nn::ParamRef cls_token_, pos_embed_;
  std::mutex mu_;
  std::map<std::pair<int64_t, int64_t>, Tensor> constants_;  // resize matrices or sin-cos
};

void ValidateVit(const VitOptions& o, ValidationContext& ctx) {
  ForEachVitProblem(
      o, [&](const char* field, const std::string& message) { ctx.Error(field, message); });
}

VLMLAB_REGISTER_PLUGIN(
    Encoder, VitOptions, "vit", "Vision Transformer: patch embedding, pre-LN blocks (CLIP/SigLIP)",
    [](const VitOptions& o, const BuildContext& ctx) -> absl::StatusOr<std::unique_ptr<Encoder>> {
      return std::make_unique<VitEncoder>(o, ctx.seed);
    },
    ValidateVit);

}  // namespace
}  // namespace vlmlab
