// Interfaces of the plugins around the model: training stages, evaluators and datasets.
//
// The training, evaluation and data issues give these their methods; until then a registered
// stage, evaluator or dataset carries its typed options and validator, which is what spec
// validation, `vlmlab plugins` and sweep expansion use.
//
//   absl::StatusOr<std::unique_ptr<Stage>> stage = entry->create(dpo_options, build_context);
#ifndef VLMLAB_PLATFORM_PLUGIN_API_PIPELINE_PLUGINS_H_
#define VLMLAB_PLATFORM_PLUGIN_API_PIPELINE_PLUGINS_H_

#include "platform/plugin_api/model_plugins.h"
#include "platform/plugin_api/plugin_kind.h"

namespace vlmlab {

class Stage : public Plugin {
 public:
  static constexpr PluginKind kKind = PluginKind::kStage;
};

class Evaluator : public Plugin {
 public:
  static constexpr PluginKind kKind = PluginKind::kEvaluator;
};

class Dataset : public Plugin {
 public:
  static constexpr PluginKind kKind = PluginKind::kDataset;
};

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_PLUGIN_API_PIPELINE_PLUGINS_H_
