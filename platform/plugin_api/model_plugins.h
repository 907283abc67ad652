// Interfaces of the model plugins: vision encoder, projector, fusion and LLM backbone.
//
// Today they expose what the spec validator and cost accounting need (output shapes, so that
// an encoder, projector, fusion and LLM can be checked against each other before anything
// runs); the tensor-core and model issues add the forward passes. Each plugin is built by its
// registry entry's factory from its own typed options:
//
//   absl::StatusOr<std::unique_ptr<Encoder>> enc = entry->create(vit_options, build_context);
//   VisualShape shape = (*enc)->OutputShape();   // e.g. {tokens: 64, dim: 384, grid 8x8}
#ifndef VLMLAB_PLATFORM_PLUGIN_API_MODEL_PLUGINS_H_
#define VLMLAB_PLATFORM_PLUGIN_API_MODEL_PLUGINS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "platform/plugin_api/plugin_kind.h"

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
};

// Visual tokens of one image at the configured resolution.
struct VisualShape {
  int64_t tokens = 0;  // tokens per image
  int64_t dim = 0;     // width of each token
  int64_t grid_h = 0;  // patch grid the tokens come from; 0 when they are not a grid
  int64_t grid_w = 0;
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

class Encoder : public Plugin {
 public:
  static constexpr PluginKind kKind = PluginKind::kEncoder;
  virtual VisualShape OutputShape() const = 0;
};

class Projector : public Plugin {
 public:
  static constexpr PluginKind kKind = PluginKind::kProjector;
  // The tokens handed to fusion for encoder output `in`, or an error naming the option that
  // does not fit (e.g. a pixel-shuffle factor that does not divide the patch grid).
  virtual absl::StatusOr<VisualShape> OutputShape(const VisualShape& in,
                                                  const LlmShape& llm) const = 0;
};

class Fusion : public Plugin {
 public:
  static constexpr PluginKind kKind = PluginKind::kFusion;
  // OK when projected visual tokens of shape `visual` can be fused into `llm`.
  virtual absl::Status CheckCompatible(const VisualShape& visual, const LlmShape& llm) const = 0;
};

class Llm : public Plugin {
 public:
  static constexpr PluginKind kKind = PluginKind::kLlm;
  virtual LlmShape Shape() const = 0;
};

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_PLUGIN_API_MODEL_PLUGINS_H_
