// The kinds of plugin vlmlab selects by name from an experiment spec.
//
//   for (PluginKind kind : kAllPluginKinds) std::cout << PluginKindName(kind);
//   std::optional<PluginKind> k = PluginKindFromName("encoder");
#ifndef VLMLAB_PLATFORM_PLUGIN_API_PLUGIN_KIND_H_
#define VLMLAB_PLATFORM_PLUGIN_API_PLUGIN_KIND_H_

#include <array>
#include <optional>

#include "absl/strings/string_view.h"

namespace vlmlab {

enum class PluginKind {
  kEncoder,
  kProjector,
  kFusion,
  kLlm,
  kStage,
  kEvaluator,
  kDataset,
  kTokenizer,
};

inline constexpr std::array<PluginKind, 8> kAllPluginKinds = {
    PluginKind::kEncoder, PluginKind::kProjector, PluginKind::kFusion,  PluginKind::kLlm,
    PluginKind::kStage,   PluginKind::kEvaluator, PluginKind::kDataset, PluginKind::kTokenizer,
};

// The lower-case name used in specs (`plugin_kind` annotations) and on the command line.
inline constexpr const char* PluginKindName(PluginKind kind) {
  switch (kind) {
    case PluginKind::kEncoder:
      return "encoder";
    case PluginKind::kProjector:
      return "projector";
    case PluginKind::kFusion:
      return "fusion";
    case PluginKind::kLlm:
      return "llm";
    case PluginKind::kStage:
      return "stage";
    case PluginKind::kEvaluator:
      return "evaluator";
    case PluginKind::kDataset:
      return "dataset";
    case PluginKind::kTokenizer:
      return "tokenizer";
  }
  return "unknown";
}

inline std::optional<PluginKind> PluginKindFromName(absl::string_view name) {
  for (PluginKind kind : kAllPluginKinds) {
    if (PluginKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_PLUGIN_API_PLUGIN_KIND_H_
