#include "platform/runner/data_setup.h"

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/eval/eval_batches.h"
#include "platform/spec/slot_resolver.h"

namespace vlmlab::runner {
namespace {

const DataMixture* FindMixture(const Experiment& exp, const std::string& name) {
  for (const DataMixture& m : exp.data()) {
    if (m.name() == name) return &m;
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<std::vector<data::MixtureEntry>> OpenMixtureSources(
    const Experiment& exp, const std::string& name, const PluginRegistries& registries,
    const DatasetOpenOptions& options) {
  const DataMixture* mixture = FindMixture(exp, name);
  if (mixture == nullptr) {
    return absl::NotFoundError(absl::StrCat("no data mixture named \"", name,
                                            "\"; the experiment's data section defines it"));
  }
  if (mixture->components_size() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("data[", name, "]: the mixture has no components"));
  }
  std::vector<data::MixtureEntry> entries;
  for (int i = 0; i < mixture->components_size(); ++i) {
    const MixtureComponent& c = mixture->components(i);
    std::string where = absl::StrCat("data[", name, "].components[", i, "].dataset");
    absl::StatusOr<std::unique_ptr<Dataset>> dataset =
        CreateFromSlot<Dataset>(c.dataset(), registries, BuildContext{exp.seed(), &registries});
    if (!dataset.ok()) {
      return absl::Status(dataset.status().code(),
                          absl::StrCat(where, ": ", dataset.status().message()));
    }
    DatasetOpenOptions o = options;
    o.seed = options.seed * 1000003 + i;  // components shuffle independently
    std::unique_ptr<data::SampleSource> source;
    absl::Status opened = (*dataset)->Open(o, &source);
    if (!opened.ok()) {
      return absl::Status(opened.code(), absl::StrCat(where, ": ", opened.message()));
    }
    entries.push_back({std::move(source), c.weight()});
  }
  return entries;
}

absl::StatusOr<std::unique_ptr<data::Mixture>> OpenMixture(const Experiment& exp,
                                                           const std::string& name,
                                                           const PluginRegistries& registries,
                                                           const DatasetOpenOptions& options,
                                                           bool cycle) {
  VLMLAB_ASSIGN_OR_RETURN(std::vector<data::MixtureEntry> entries,
                          OpenMixtureSources(exp, name, registries, options));
  return data::Mixture::Create(std::move(entries), options.seed, cycle);
}

absl::StatusOr<data::LoaderOptions> LoaderOptionsFor(VlmModel& model, int64_t batch_size,
                                                     const StageDataPolicy& policy) {
  data::LoaderOptions o;
  o.batch_size = batch_size;
  VLMLAB_ASSIGN_OR_RETURN(o.image, eval::ImageOptionsForModel(model));
  o.chat.layout = model.layout();
  o.chat.assistant_only = policy.assistant_loss_only;
  o.text_only_fraction = policy.text_only_fraction;
  o.preference_pairs = policy.preference_pairs;
  o.chat.max_length = model.summary().llm_shape.max_seq_len;
  return o;
}

}  // namespace vlmlab::runner
