// `self_attention`: fully autoregressive fusion (BLIP-2, LLaVA, Idefics2). The data pipeline
// writes, per image, [image_start] + V image placeholder tokens + [image_end] (Layout: V = the
// projector's tokens per image, delimiters per `image_delimiters`); Fuse takes the text as the
// LLM embedded it (FusionInputs::text_embeddings) and replaces the placeholder rows, in order, by the images' projected visual tokens.
// Sample 0's images come first in `visual`, then sample 1's, and so on. Packed rows
// (FusionInputs::segment_ids) take their images in the same order of appearance, row by row;
// max_images_per_sample then applies to each segment.
//
// The merge is one differentiable gather: rows [B*T text embeddings; N*V visual tokens] indexed
// by a [B, T] map, so gradients reach both the token embeddings and the projector. The plugin
// has no parameters and adds no FLOPs of its own (the LLM runs the longer sequence).
//
// Errors name the sample: a placeholder count that is not a multiple of V, more images than
// max_images_per_sample, placeholders for more images than were given, or images left over.
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
#include "plugins/fusion/image_placeholders.h"

namespace vlmlab {
namespace {

class SelfAttentionFusion : public Fusion {
 public:
  explicit SelfAttentionFusion(const SelfAttentionFusionOptions& options) : options_(options) {}
  const char* type_name() const override { return "SelfAttentionFusion"; }

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

  ImageLayout Layout(const VisualShape& v) const override {
    return ImageLayout{v.tokens, options_.image_delimiters()};
  }

  absl::Status Build(const VisualShape& visual, const LlmShape& llm) override {
    VLMLAB_RETURN_IF_ERROR(CheckCompatible(visual, llm));
    visual_ = visual;
    hidden_ = llm.hidden;
    return absl::OkStatus();
  }

  absl::StatusOr<FusedSequence> Fuse(const FusionInputs& inputs) override {
    const Tensor& embeddings = inputs.text_embeddings;  // [B, T, H]
    if (!embeddings.defined()) {
      return absl::InvalidArgumentError("self_attention: no text embeddings to fuse into");
    }
    const int64_t hidden = hidden_ > 0 ? hidden_ : embeddings.size(embeddings.dim() - 1);
    VLMLAB_ASSIGN_OR_RETURN(int64_t num_images,
                            CheckVisual("self_attention", inputs.visual, hidden));
    VLMLAB_ASSIGN_OR_RETURN(
        PlaceholderColumns cols,
        FindPlaceholders("self_attention", inputs.input_ids, inputs.image_token_id, num_images));
    const int64_t batch = inputs.input_ids.size(0), tokens = inputs.input_ids.size(1);
    VLMLAB_ASSIGN_OR_RETURN(std::vector<int32_t> segments,
                            SegmentIds("self_attention", inputs.segment_ids, batch, tokens));
    const int64_t per_image = num_images > 0 ? inputs.visual.size(1) : visual_.tokens;
    VLMLAB_ASSIGN_OR_RETURN(std::vector<int64_t> image_of,
                            ImageOfRow("self_attention", inputs.image_crops, num_images));
    int64_t used = 0;  // visual rows (image tensors) consumed by samples so far
    for (int64_t b = 0; b < batch; ++b) {
      // One sample's placeholders: the whole row, or a packed row's run of one segment.
      for (size_t first = 0, next = 0; first < cols[b].size(); first = next) {
        next = first + 1;
        std::string sample = absl::StrCat("sample ", b);
        if (segments.empty()) {
          next = cols[b].size();
        } else {
          const int32_t segment = segments[b * tokens + cols[b][first]];
          while (next < cols[b].size() && segments[b * tokens + cols[b][next]] == segment) ++next;
          sample = absl::StrCat("sample ", segment, " (packed in row ", b, ")");
        }
        const int64_t count = static_cast<int64_t>(next - first);
        if (per_image <= 0 || count % per_image != 0) {
          return absl::InvalidArgumentError(absl::StrCat(
              "self_attention: ", sample, " has ", count,
              " image placeholder tokens, not a multiple of the ", per_image,
              " visual tokens per image; the data pipeline must write the fusion layout's "
              "placeholders per image"));
        }
        const int64_t images = count / per_image;  // image tensors (crops count one each)
        if (used + images > num_images) {
          return absl::InvalidArgumentError(
              absl::StrCat("self_attention: ", sample, " has placeholders for ", images,
                           " images but only ", num_images - used, " of the batch's ", num_images,
                           " images are left for it (images are assigned to samples in order)"));
        }
        // Whole images: a split image's tiles and global view count once.
        const int64_t whole = images == 0 ? 0 : image_of[used + images - 1] - image_of[used] + 1;
        if (whole > options_.max_images_per_sample()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "self_attention: ", sample, " has ", whole,
              " images, more than max_images_per_sample ", options_.max_images_per_sample()));
        }
        used += images;
      }
    }
    if (used != num_images) {
      return absl::InvalidArgumentError(absl::StrCat("self_attention: ", num_images,
                                                     " images given but the samples' "
                                                     "placeholders hold only ",
                                                     used));
    }
    if (num_images == 0) return FusedSequence{embeddings, {}};
    if (embeddings.dim() != 3 || embeddings.size(2) != hidden) {
      return absl::InternalError(absl::StrCat("self_attention: the text embeddings are ",
                                              embeddings.DebugString(), ", not [", batch, ", ",
                                              tokens, ", ", hidden, "]"));
    }
    VLMLAB_ASSIGN_OR_RETURN(Tensor text, ops::Reshape(embeddings, {batch * tokens, hidden}));
    VLMLAB_ASSIGN_OR_RETURN(Tensor vis,
                            ops::Reshape(inputs.visual, {num_images * per_image, hidden}));
    VLMLAB_ASSIGN_OR_RETURN(Tensor rows, ops::Concat({text, vis}, 0));  // [B*T + N*V, H]
    std::vector<int32_t> index(batch * tokens);
    for (int64_t i = 0; i < batch * tokens; ++i) index[i] = static_cast<int32_t>(i);
    int64_t next = batch * tokens;
    for (int64_t b = 0; b < batch; ++b) {
      for (int64_t t : cols[b]) index[b * tokens + t] = static_cast<int32_t>(next++);
    }
    Tensor map = Tensor::FromInts({batch, tokens}, index);
    VLMLAB_ASSIGN_OR_RETURN(Tensor fused, ops::Embedding(map, rows));  // [B, T, H]
    return FusedSequence{fused, {}};
  }

  Flops ForwardFlops(const VisualShape&, const LlmShape&, int64_t, int64_t) const override {
    return 0;
  }

 private:
  SelfAttentionFusionOptions options_;
  VisualShape visual_;
  int64_t hidden_ = 0;
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
