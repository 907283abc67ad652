// Interfaces of the model plugins: vision encoder, projector, fusion and LLM backbone.
//
// A plugin lives in two phases:
// 1. Its registry factory builds it from its typed options. This is cheap (no parameters):
//    the spec validator and `vlmlab validate` use it for output shapes and fit checks.
// 2. `Build(...)` allocates its parameters once the neighbouring plugins' shapes are known
//    (a projector needs the encoder's width and the LLM's). The model assembly
//    (platform/model) does this in the order encoder, LLM, projector, fusion, then calls
//    `Initialize(seed)` on the whole model.
//
// Every model plugin is an nn::Module, so parameters have hierarchical names, can be frozen by
// pattern, wrapped with LoRA and saved in a state dict.
//
//   absl::StatusOr<std::unique_ptr<Encoder>> enc = entry->create(vit_options, build_context);
//   VisualShape shape = (*enc)->OutputShape();   // e.g. {tokens: 64, dim: 384, grid 8x8}
//   VLMLAB_RETURN_IF_ERROR((*enc)->Build());
//   (*enc)->Initialize(seed);
//   absl::StatusOr<EncodedImages> out = (*enc)->Encode(images);   // [N, 64, 384]
#ifndef VLMLAB_PLATFORM_PLUGIN_API_MODEL_PLUGINS_H_
#define VLMLAB_PLATFORM_PLUGIN_API_MODEL_PLUGINS_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "platform/nn/module.h"
#include "platform/plugin_api/plugin_kind.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

class PluginRegistries;

// What every plugin factory receives besides its options.
struct BuildContext {
  uint64_t seed = 0;  // the experiment seed
  // The registries the plugin came from, for plugins that build others (e.g. `multi`).
  const PluginRegistries* registries = nullptr;
};

// Base of every plugin object.
class Plugin {
 public:
  virtual ~Plugin() = default;
  // This plugin's own parameter names and values for a checkpoint written in a foreign
  // `naming` (a model slot's `init { naming: ... }`: "hf_llama", "hf_gpt2",
  // "hf_clip_vision", "hf_siglip_vision"); `file` holds the checkpoint's tensors by their
  // names. Tensors the plugin has no use for are left out (the caller reports them);
  // shapes are checked when the result is loaded. Unimplemented by default.
  virtual absl::StatusOr<std::map<std::string, Tensor>> ImportWeights(
      const std::string& naming, const std::map<std::string, Tensor>& file) const {
    (void)file;
    return absl::UnimplementedError(
        absl::StrCat("this plugin cannot read weights named as \"", naming,
                     "\"; use naming VLMLAB (its own parameter names)"));
  }
};

// Visual tokens of one image at the configured resolution.
struct VisualShape {
  int64_t tokens = 0;  // tokens per image (CLS included when there is one)
  int64_t dim = 0;     // width of each token
  int64_t grid_h = 0;  // patch grid the tokens come from; 0 when they are not a grid
  int64_t grid_w = 0;
  bool cls = false;  // tokens = 1 + grid_h * grid_w, the CLS token first
};

// The dimensions fusion and projectors must agree with.
struct LlmShape {
  int64_t hidden = 0;
  int64_t layers = 0;
  int64_t heads = 0;
  int64_t kv_heads = 0;
  int64_t vocab_size = 0;  // 0: taken from the tokenizer
  int64_t max_seq_len = 0;
};

// A batch of images, already resized and normalised by the data pipeline.
struct ImageBatch {
  Tensor pixels;  // f32 [N, C, H, W]
  // (H, W) of each image before it was zero-padded (bottom and right) to the batch's largest
  // (native-resolution batches, data::Batch::image_sizes); empty = every image fills [H, W].
  std::vector<std::array<int64_t, 2>> sizes;
};

// What an encoder expects of its input images, for the data pipeline's preprocessing.
struct ImageInputSpec {
  int64_t size = 0;     // configured square side in pixels; 0 = not declared
  int64_t patch = 1;    // native-resolution sides must be multiples of this
  int64_t channels = 3;
  bool native_resolution = false;  // accepts other sizes and aspect ratios up to `size`
  float mean[3] = {0.5f, 0.5f, 0.5f};  // per-channel normalisation: (x / 255 - mean) / std
  float std[3] = {0.5f, 0.5f, 0.5f};
};

// An encoder's output for a batch of images.
struct EncodedImages {
  Tensor tokens;       // f32 [N, T, D]
  int64_t grid_h = 0;  // the patch grid behind the tokens (0 when not a grid)
  int64_t grid_w = 0;
  bool cls = false;  // tokens[:, 0] is a CLS token, the grid follows
  // i32 [N, T]: 1 = a token of the image, 0 = a token of its zero padding (native-resolution
  // batches of mixed sizes); undefined = every token is real. Padding tokens attend to nothing
  // and are attended by nothing; a projector must mask them or refuse them.
  Tensor token_mask;
};

// Analytic forward cost, in floating-point operations (a multiply-add counts 2).
using Flops = double;

class Encoder : public Plugin, public nn::Module {
 public:
  static constexpr PluginKind kKind = PluginKind::kEncoder;
  // At the current image size: the configured one unless SetImageSize changed it.
  virtual VisualShape OutputShape() const = 0;
  virtual ImageInputSpec InputSpec() const { return {}; }
  virtual absl::Status Build() = 0;
  virtual absl::StatusOr<EncodedImages> Encode(const ImageBatch& images) = 0;
  // Per image at the current size.
  virtual Flops ForwardFlops() const = 0;
  // Rising resolution between training stages: from now on take square images of `size`
  // pixels (InputSpec, OutputShape and ForwardFlops then describe that size; the parameters
  // keep their shapes). The configured size restores the default. This default accepts only
  // the configured size.
  virtual absl::Status SetImageSize(int64_t size) {
    if (size == InputSpec().size) return absl::OkStatus();
    return absl::UnimplementedError(
        absl::StrCat("this encoder takes only its configured ", InputSpec().size,
                     " px images; it cannot "
                     "change resolution between stages (the vit and conv encoders can)"));
  }
};

class Projector : public Plugin, public nn::Module {
 public:
  static constexpr PluginKind kKind = PluginKind::kProjector;
  // The tokens handed to fusion for encoder output `in`, or an error naming the option that
  // does not fit (e.g. a pixel-shuffle factor that does not divide the patch grid).
  virtual absl::StatusOr<VisualShape> OutputShape(const VisualShape& in,
                                                  const LlmShape& llm) const = 0;
  virtual absl::Status Build(const VisualShape& in, const LlmShape& llm) = 0;
  // [N, T, D_enc] -> [N, T', hidden]
  virtual absl::StatusOr<Tensor> Project(const EncodedImages& in) = 0;
  virtual Flops ForwardFlops(const VisualShape& in, const LlmShape& llm) const = 0;
};

// Keys and values of every LLM layer for incremental decoding. The LLM that made it owns the
// layout; callers only create it (Llm::NewCache) and pass it back.
struct KvCache {
  virtual ~KvCache() = default;
  int64_t length = 0;  // positions already cached
};

// Called by the LLM before block `layer` (0-based) with the residual stream; returns the
// stream to continue with. Fusion styles that act inside the LLM (gated cross-attention)
// install one. `positions` are the absolute positions of the rows of `hidden` (i32 [B, T]).
using LayerHook = std::function<absl::StatusOr<Tensor>(int layer, const Tensor& hidden,
                                                       const Tensor& positions)>;

struct LlmInputs {
  Tensor embeddings;        // f32 [B, T, H]
  Tensor positions;         // i32 [B, T]: absolute positions (RoPE / learned tables)
  Tensor key_padding_mask;  // i32 [B, T_cache + T], nonzero = real token; undefined = all
  // i32 [B, T] (no cache): packed rows, several samples per row; a token attends only to the
  // tokens of its own segment (its sample). Undefined = one sequence per row.
  Tensor segment_ids;
  KvCache* cache = nullptr;        // set: attend to cached keys too, then append this step's
  const LayerHook* hook = nullptr;  // set: called before every block
};

class Llm : public Plugin, public nn::Module {
 public:
  static constexpr PluginKind kKind = PluginKind::kLlm;
  virtual LlmShape Shape() const = 0;
  // `vocab_size` is the resolved vocabulary (the tokenizer's when the options leave it 0).
  virtual absl::Status Build(int64_t vocab_size) = 0;
  // i32 [B, T] -> f32 [B, T, H]
  virtual absl::StatusOr<Tensor> Embed(const Tensor& ids) = 0;
  // The blocks and final norm: [B, T, H] -> [B, T, H].
  virtual absl::StatusOr<Tensor> Run(const LlmInputs& inputs) = 0;
  // [B, T, H] -> [B, T, V]
  virtual absl::StatusOr<Tensor> Logits(const Tensor& hidden) = 0;
  virtual std::unique_ptr<KvCache> NewCache(int64_t batch, int64_t max_len) const = 0;
  // One sequence of `tokens` (causal attention included).
  virtual Flops ForwardFlops(int64_t tokens) const = 0;
};

// How text must make room for images under a fusion style. The chat template / data pipeline
// writes, per image: [image_start] image_token x placeholders [image_end].
struct ImageLayout {
  int64_t placeholders = 0;  // image placeholder tokens per image
  bool delimiters = false;   // wrap them in image-start / image-end tokens
};

struct FusionInputs {
  Tensor input_ids;  // i32 [B, T] with image placeholders where the layout puts them
  // f32 [N, V, H]: projected tokens of every image of the batch, in order of appearance
  // (sample 0's images first).
  Tensor visual;
  int32_t image_token_id = -1;
  // i32 [B, T] or undefined: packed rows, the sample (segment) of each token; images belong to
  // the sample whose placeholders they fill, and limits per sample apply per segment.
  Tensor segment_ids;
  // Rows of `visual` per image, in order (a split image: its tiles then its global view, each
  // with its own placeholders); they sum to N. Empty: every row is an image of its own.
  std::vector<int64_t> image_crops;
  // f32 [B, T, H]: the LLM's embeddings of input_ids (placeholders included), made by the
  // model before fusing, so a fusion never calls back into the LLM.
  Tensor text_embeddings;
};

struct FusedSequence {
  Tensor embeddings;  // f32 [B, T, H]: input to Llm::Run
  LayerHook hook;     // empty when the fusion acts only on the input sequence
};

class Fusion : public Plugin, public nn::Module {
 public:
  static constexpr PluginKind kKind = PluginKind::kFusion;
  // OK when projected visual tokens of shape `visual` can be fused into `llm`.
  virtual absl::Status CheckCompatible(const VisualShape& visual, const LlmShape& llm) const = 0;
  virtual ImageLayout Layout(const VisualShape& visual) const = 0;
  virtual absl::Status Build(const VisualShape& visual, const LlmShape& llm) = 0;
  // Merges the images into the embedded text (inputs.text_embeddings); errors name the sample
  // whose placeholders do not match its images.
  virtual absl::StatusOr<FusedSequence> Fuse(const FusionInputs& inputs) = 0;
  // Extra cost per sequence of `tokens` text tokens with `images` images (0 for fusion that
  // only places tokens).
  virtual Flops ForwardFlops(const VisualShape& visual, const LlmShape& llm, int64_t tokens,
                             int64_t images) const = 0;
};

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_PLUGIN_API_MODEL_PLUGINS_H_
