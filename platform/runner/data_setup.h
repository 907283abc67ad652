// Turns an experiment's data section into loaders: the named mixture's datasets opened through
// their plugins, mixed by weight, and batched for a model (its tokenizer, image layout and the
// encoder's input size and normalisation).
//
//   VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<data::Mixture> mix,
//       OpenMixture(exp, "captions", GlobalRegistries(), {.seed = 3, .shuffle = true}, true));
//   VLMLAB_ASSIGN_OR_RETURN(data::LoaderOptions lo, LoaderOptionsFor(model, 32, policy));
//   VLMLAB_ASSIGN_OR_RETURN(auto loader, data::DataLoader::Create(std::move(mix),
//                                                               &model.tokenizer(), lo));
#ifndef VLMLAB_PLATFORM_RUNNER_DATA_SETUP_H_
#define VLMLAB_PLATFORM_RUNNER_DATA_SETUP_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/data/data_loader.h"
#include "platform/data/mixture.h"
#include "platform/data/sample_source.h"
#include "platform/model/vlm_model.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/plugin_api/registry.h"
#include "platform/spec/experiment.pb.h"

namespace vlmlab::runner {

// The sources of mixture `name` of `exp`, each opened with `options`, with their weights.
// Errors name the mixture and the component ("data[captions].components[1]: ...").
absl::StatusOr<std::vector<data::MixtureEntry>> OpenMixtureSources(
    const Experiment& exp, const std::string& name, const PluginRegistries& registries,
    const DatasetOpenOptions& options);

// A Mixture over OpenMixtureSources; `cycle` for training (never ends), not for evaluation.
absl::StatusOr<std::unique_ptr<data::Mixture>> OpenMixture(const Experiment& exp,
                                                           const std::string& name,
                                                           const PluginRegistries& registries,
                                                           const DatasetOpenOptions& options,
                                                           bool cycle);

// Loader options for `model`: the chat layout, the encoder's input (size, patch, channels,
// normalisation) under the model's ImageSettings (the stage's resolution and image
// splitting), the stage's data policy, the LLM's longest sequence as max_length.
absl::StatusOr<data::LoaderOptions> LoaderOptionsFor(VlmModel& model, int64_t batch_size,
                                                     const StageDataPolicy& policy);

}  // namespace vlmlab::runner

#endif  // VLMLAB_PLATFORM_RUNNER_DATA_SETUP_H_
