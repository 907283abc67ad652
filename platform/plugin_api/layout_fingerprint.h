// A fingerprint of the memory layout of the C++ types that cross the plugin boundary, compiled
// into the host and into every plugin library (VlmlabPluginInfo::layout_fingerprint): the
// loader refuses a library whose fingerprint differs, even when its API version matches, so
// a plugin built with other compiler flags, another standard library ABI or edited headers is
// refused with a message instead of corrupting memory.
//
//   static_assert(PluginLayoutFingerprint() != 0);
//   if (info->layout_fingerprint != PluginLayoutFingerprint()) { /* refuse */ }
//
// It combines the size and alignment of: the tensor (Tensor, Shape), modules (nn::Module,
// nn::Submodule), the model plugins' inputs and outputs, the pipeline plugins' structs, the
// registry types, and the standard and Abseil types inside them (std::string, std::vector,
// std::map, std::function, absl::Status). A change of any of these layouts changes it; a
// change that keeps every size and alignment (reordered fields of equal size) does not, which
// is what VLMLAB_PLUGIN_API_VERSION is for.
#ifndef VLMLAB_PLATFORM_PLUGIN_API_LAYOUT_FINGERPRINT_H_
#define VLMLAB_PLATFORM_PLUGIN_API_LAYOUT_FINGERPRINT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "platform/nn/module.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/plugin_api/registry.h"
#include "platform/plugin_api/tokenizer_trainer.h"
#include "platform/tensor/shape.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {
namespace layout_internal {

constexpr uint64_t Mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  return h * 0x100000001B3ull;
}

template <typename T>
constexpr uint64_t Add(uint64_t h) {
  return Mix(Mix(h, sizeof(T)), alignof(T));
}

template <typename... Ts>
constexpr uint64_t AddAll(uint64_t h) {
  ((h = Add<Ts>(h)), ...);
  return h;
}

}  // namespace layout_internal

constexpr uint64_t PluginLayoutFingerprint() {
  return layout_internal::AddAll<
      // The standard library and Abseil pieces inside everything else.
      std::string, std::vector<int64_t>, std::map<std::string, std::string>,
      std::function<void()>, absl::Status,
      // Tensors and modules.
      Tensor, Shape, nn::Module, nn::Submodule,
      // Model plugins.
      BuildContext, VisualShape, LlmShape, ImageBatch, ImageInputSpec, EncodedImages, ImageLayout,
      FusionInputs, FusedSequence, LlmInputs,
      // Pipeline plugins.
      DatasetOpenOptions, StageDataPolicy, StageLoss, StageContext, MetricValue,
      OfficialResultsFormat, EvalOutput, EvalInputs, EvaluatorSettingsUsed,
      // Registries.
      PluginEntryBase, PluginEntry<Encoder>, Registry<Encoder>, PluginRegistries,
      TokenizerTrainerOptions, TrainedTokenizer, TokenizerTrainerEntry>(0xCBF29CE484222325ull);
}

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_PLUGIN_API_LAYOUT_FINGERPRINT_H_
