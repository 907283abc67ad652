// A plugin object that holds its validated options and nothing else yet: what stages,
// evaluators and datasets are until the training, evaluation and data issues give their
// interfaces methods.
//
//   VLMLAB_REGISTER_PLUGIN(Stage, DpoOptions, "dpo", "...",
//                          (CreateConfigured<Stage, DpoOptions>), nullptr);
#ifndef VLMLAB_PLUGINS_CONFIGURED_PLUGIN_H_
#define VLMLAB_PLUGINS_CONFIGURED_PLUGIN_H_

#include <memory>

#include "absl/status/statusor.h"
#include "platform/plugin_api/model_plugins.h"

namespace vlmlab {

template <typename Interface, typename Options>
class ConfiguredPlugin : public Interface {
 public:
  explicit ConfiguredPlugin(const Options& options) : options_(options) {}
  const Options& options() const { return options_; }

 private:
  Options options_;
};

template <typename Interface, typename Options>
absl::StatusOr<std::unique_ptr<Interface>> CreateConfigured(const Options& options,
                                                            const BuildContext&) {
  return std::make_unique<ConfiguredPlugin<Interface, Options>>(options);
}

}  // namespace vlmlab

#endif  // VLMLAB_PLUGINS_CONFIGURED_PLUGIN_H_
