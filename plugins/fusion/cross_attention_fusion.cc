// `cross_attention`: Flamingo-style fusion. Text keeps one placeholder token per image (Layout
// {1, no delimiters}) and is embedded by the LLM as is; gated cross-attention dense layers
// (gated_cross_attention.h) run before LM blocks 0, n, 2n, ... (n = every_n_layers) through
// the LayerHook that Fuse returns. With the gates at 0 (gate_init's default) the LM computes
// exactly what it computes without images.
//
// Parameter names: xattn.<block>.* where <block> is the LM block the layer runs before, e.g.
// fusion.xattn.0.attn.q.weight, fusion.xattn.2.attn_gate, fusion.xattn.2.ff.layers.0.weight.
//
// Visibility: an image's position is that of its placeholder. Under PRECEDING_IMAGE a text
// token attends only to the last image placed at or before it (Flamingo); under
// ALL_PRECEDING_IMAGES to every image at or before it. A token with no such image gets zero
// from the cross-attention (its feed-forward branch still runs). The hook maps the absolute
// positions it is given to images through the positions of the first call (the full prompt),
// so it also serves decode steps after the prompt.
//
// Images: `visual` [N, V, H] holds sample 0's images first; each sample's images go to its
// placeholders in order. Errors name the sample whose placeholders do not match. A split image
// (FusionInputs::image_crops) has one placeholder per tile and one for its global view; they
// count as one image, so under PRECEDING_IMAGE a token sees every crop of the last image.
//
// Packed rows (FusionInputs::segment_ids): a token sees only images of its own segment (its
// sample), compared by position within that sample; such a hook serves the full prompt only.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/ops/embedding_ops.h"
#include "platform/ops/shape_ops.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/fusion.pb.h"
#include "plugins/fusion/gated_cross_attention.h"
#include "plugins/fusion/image_placeholders.h"

namespace vlmlab {
namespace {

// What one Fuse call hands its hook.
struct HookState {
  int64_t batch = 0, prompt_len = 0, tokens_per_image = 0, max_images = 0;
  bool preceding_only = true;
  PlaceholderColumns columns;  // [B][images of sample b]: placeholder columns in the prompt
  std::vector<std::vector<int64_t>> image_of;  // [B][j]: the (whole) image column j shows
  // Packed rows: [B * prompt_len] segment of each prompt token (empty: one sample per row).
  std::vector<int32_t> segments;
  std::vector<std::vector<int64_t>> image_positions;  // filled on the first call
  bool positions_known = false;
  Tensor context;  // [B, max_images * V, H], undefined when there are no images
};

// positions i32 [B, T] or [T] -> position of (b, t).
class PositionReader {
 public:
  explicit PositionReader(const Tensor& positions)
      : values_(positions.defined() ? positions.Contiguous().ToInts() : std::vector<int32_t>()),
        rows_(positions.defined() && positions.dim() == 2),
        width_(positions.defined() ? positions.size(-1) : 0) {}
  int64_t operator()(int64_t b, int64_t t) const {
    if (values_.empty()) return t;
    return values_[(rows_ ? b * width_ : 0) + t];
  }

 private:
  std::vector<int32_t> values_;
  bool rows_;
  int64_t width_;
};

class CrossAttentionFusion : public Fusion {
 public:
  explicit CrossAttentionFusion(const CrossAttentionFusionOptions& options) : options_(options) {}
  const char* type_name() const override { return "CrossAttentionFusion"; }

  absl::Status CheckCompatible(const VisualShape& visual, const LlmShape& llm) const override {
    if (options_.every_n_layers() > llm.layers) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cross_attention.every_n_layers ", options_.every_n_layers(), " exceeds the LLM's ",
          llm.layers, " layers, so no cross-attention block would be inserted"));
    }
    int64_t heads = Heads(llm);
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

  ImageLayout Layout(const VisualShape&) const override { return ImageLayout{1, false}; }

  absl::Status Build(const VisualShape& visual, const LlmShape& llm) override {
    VLMLAB_RETURN_IF_ERROR(CheckCompatible(visual, llm));
    if (xattn_) return absl::FailedPreconditionError("cross_attention: Build called twice");
    hidden_ = llm.hidden;
    auto container = std::make_unique<LayerGroup>();
    for (int64_t l = 0; l < llm.layers; l += options_.every_n_layers()) {
      layers_[static_cast<int>(l)] = container->Add(
          absl::StrCat(l), std::make_unique<GatedCrossAttention>(
                               llm.hidden, Heads(llm), options_.mlp_ratio(), options_.gate_init()));
    }
    xattn_ = RegisterModule("xattn", std::move(container));
    return absl::OkStatus();
  }

  absl::StatusOr<FusedSequence> Fuse(const FusionInputs& inputs) override {
    if (!xattn_) return absl::FailedPreconditionError("cross_attention: Fuse before Build");
    if (!inputs.text_embeddings.defined()) {
      return absl::InvalidArgumentError("cross_attention: no text embeddings to fuse into");
    }
    VLMLAB_ASSIGN_OR_RETURN(int64_t num_images,
                            CheckVisual("cross_attention", inputs.visual, hidden_));
    VLMLAB_ASSIGN_OR_RETURN(
        PlaceholderColumns cols,
        FindPlaceholders("cross_attention", inputs.input_ids, inputs.image_token_id, num_images));
    auto state = std::make_shared<HookState>();
    state->batch = inputs.input_ids.size(0);
    state->prompt_len = inputs.input_ids.size(1);
    state->preceding_only = options_.visibility() == CrossAttentionFusionOptions::PRECEDING_IMAGE;
    VLMLAB_ASSIGN_OR_RETURN(state->segments, SegmentIds("cross_attention", inputs.segment_ids,
                                                        state->batch, state->prompt_len));
    VLMLAB_ASSIGN_OR_RETURN(std::vector<int64_t> image_of,
                            ImageOfRow("cross_attention", inputs.image_crops, num_images));
    int64_t used = 0;
    for (int64_t b = 0; b < state->batch; ++b) {
      const int64_t images = static_cast<int64_t>(cols[b].size());
      if (used + images > num_images) {
        return absl::InvalidArgumentError(absl::StrCat(
            "cross_attention: sample ", b, " has ", images, " image placeholders but only ",
            num_images - used, " of the batch's ", num_images,
            " images are left for it (images are assigned to samples in order)"));
      }
      state->image_of.emplace_back(image_of.begin() + used, image_of.begin() + used + images);
      used += images;
      state->max_images = std::max(state->max_images, images);
    }
    if (used != num_images) {
      return absl::InvalidArgumentError(absl::StrCat("cross_attention: ", num_images,
                                                     " images given but the samples have only ",
                                                     used, " image placeholders (one per image)"));
    }
    state->columns = std::move(cols);
    if (num_images > 0) {
      const int64_t v = inputs.visual.size(1);
      state->tokens_per_image = v;
      // Gather each sample's images into [B, max_images * V, H]; empty slots read a zero row
      // (they are masked anyway).
      VLMLAB_ASSIGN_OR_RETURN(Tensor flat, ops::Reshape(inputs.visual, {num_images * v, hidden_}));
      VLMLAB_ASSIGN_OR_RETURN(Tensor rows, ops::Concat({flat, Tensor::Zeros({1, hidden_})}, 0));
      const int64_t width = state->max_images * v;
      std::vector<int32_t> index(state->batch * width, static_cast<int32_t>(num_images * v));
      int64_t image = 0;
      for (int64_t b = 0; b < state->batch; ++b) {
        for (size_t j = 0; j < state->columns[b].size(); ++j, ++image) {
          for (int64_t k = 0; k < v; ++k) {
            index[b * width + j * v + k] = static_cast<int32_t>(image * v + k);
          }
        }
      }
      VLMLAB_ASSIGN_OR_RETURN(state->context,
                              ops::Embedding(Tensor::FromInts({state->batch, width}, index), rows));
    }
    FusedSequence out;
    out.embeddings = inputs.text_embeddings;  // [B, T, H]: the text alone enters the LLM
    out.hook = [this, state](int layer, const Tensor& hidden,
                             const Tensor& positions) -> absl::StatusOr<Tensor> {
      return ApplyLayer(*state, layer, hidden, positions);
    };
    return out;
  }

  Flops ForwardFlops(const VisualShape& visual, const LlmShape& llm, int64_t tokens,
                     int64_t images) const override {
    const double h = static_cast<double>(llm.hidden), t = static_cast<double>(tokens);
    const double k = static_cast<double>(images * visual.tokens);  // keys per sample
    const double ff = static_cast<double>(std::lround(options_.mlp_ratio() * llm.hidden));
    const int64_t n = std::max<int64_t>(1, options_.every_n_layers());
    const double layers = static_cast<double>((llm.layers + n - 1) / n);
    double per_layer = 2 * 2 * t * h * h;  // q and o projections
    if (images > 0) {
      per_layer += 2 * 2 * k * visual.dim * h;  // k and v projections
      per_layer += 2 * 2 * t * k * h;           // scores and weighted sum
    }
    per_layer += 2 * 2 * t * h * ff;  // feed-forward
    return layers * per_layer;
  }

 private:
  // A plain container whose children are named by LM block.
  class LayerGroup : public nn::Module {
   public:
    const char* type_name() const override { return "CrossAttentionLayers"; }
    nn::Submodule Add(const std::string& name, std::unique_ptr<nn::Module> m) {
      return RegisterModule(name, std::move(m));
    }
  };

  int64_t Heads(const LlmShape& llm) const {
    return options_.heads() > 0 ? options_.heads() : llm.heads;
  }

  absl::StatusOr<Tensor> ApplyLayer(HookState& s, int layer, const Tensor& hidden,
                                    const Tensor& positions) {
    auto it = layers_.find(layer);
    if (it == layers_.end()) return hidden;
    auto* xattn = it->second.As<GatedCrossAttention>();
    if (xattn == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cross_attention: xattn.", layer, " was replaced by a module of another type"));
    }
    if (!hidden.defined() || hidden.dim() != 3 || hidden.size(0) != s.batch) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cross_attention hook: hidden ", hidden.defined() ? hidden.DebugString() : "undefined",
          " must be [", s.batch, ", T, ", hidden_,
          "] (the batch given to Fuse; beam search, which regroups rows, cannot be used with "
          "cross_attention fusion)"));
    }
    const int64_t t_len = hidden.size(1);
    if (positions.defined() &&
        !((positions.dim() == 2 && positions.size(0) == s.batch && positions.size(1) == t_len) ||
          (positions.dim() == 1 && positions.size(0) == t_len))) {
      return absl::InvalidArgumentError(
          absl::StrCat("cross_attention hook: positions ", positions.DebugString(),
                       " must be i32 [", s.batch, ", ", t_len, "] like the hidden rows"));
    }
    PositionReader pos(positions);
    const bool packed = !s.segments.empty();
    if (packed && t_len != s.prompt_len) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cross_attention hook: packed rows (segment_ids) cover the whole prompt of ",
          s.prompt_len, " tokens; got ", t_len, " (packed rows cannot be decoded step by step)"));
    }
    if (!s.positions_known) {
      if (t_len != s.prompt_len) {
        return absl::FailedPreconditionError(
            absl::StrCat("cross_attention hook: the first call must cover the whole prompt of ",
                         s.prompt_len, " tokens given to Fuse, got ", t_len));
      }
      s.image_positions.resize(s.batch);
      for (int64_t b = 0; b < s.batch; ++b) {
        for (int64_t c : s.columns[b]) s.image_positions[b].push_back(pos(b, c));
      }
      s.positions_known = true;
    }
    if (!s.context.defined()) return xattn->Apply(hidden, Tensor(), Tensor());
    const int64_t v = s.tokens_per_image, width = s.max_images * v;
    std::vector<int32_t> mask(s.batch * t_len * width, 0);
    for (int64_t b = 0; b < s.batch; ++b) {
      const std::vector<int64_t>& images = s.image_positions[b];
      // Packed rows: only the images of the token's own sample count (positions restart at 0
      // in each sample, so they compare only within one).
      auto same_sample = [&](size_t j, int64_t t) {
        return !packed || s.segments[b * t_len + s.columns[b][j]] == s.segments[b * t_len + t];
      };
      for (int64_t t = 0; t < t_len; ++t) {
        const int64_t p = pos(b, t);
        int64_t last = -1;  // the last image at or before p
        for (size_t j = 0; j < images.size(); ++j) {
          if (images[j] <= p && same_sample(j, t)) last = static_cast<int64_t>(j);
        }
        for (int64_t j = 0; j <= last; ++j) {
          if (s.preceding_only && s.image_of[b][j] != s.image_of[b][last]) continue;
          if (!same_sample(static_cast<size_t>(j), t)) continue;
          int32_t* row = &mask[(b * t_len + t) * width + j * v];
          std::fill(row, row + v, 1);
        }
      }
    }
    Tensor m = Tensor::FromInts({s.batch, 1, t_len, width}, mask);
    return xattn->Apply(hidden, s.context, m);
  }

  CrossAttentionFusionOptions options_;
  int64_t hidden_ = 0;
  nn::Submodule xattn_;
  std::map<int, nn::Submodule> layers_;  // LM block -> its gated cross-attention layer
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
