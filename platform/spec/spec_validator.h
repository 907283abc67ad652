// Validates specs and reports every problem at once, each as
// `file:line:column: field.path: what is wrong and how to fix it`.
//
// Checks, in order: the schema's annotations (required fields, numeric ranges), unique keys in
// keyed lists, plugin slots (a plugin chosen, registered, options of the right type, then the
// plugin's own validator), references between parts (stage mixtures; evaluator data,
// baseline_data and shots_data, which shots > 0 requires), and finally that the chosen encoder, projector, fusion and LLM fit together.
//
//   absl::Status ok = ValidateExperiment(loaded, GlobalRegistries());
#ifndef VLMLAB_PLATFORM_SPEC_SPEC_VALIDATOR_H_
#define VLMLAB_PLATFORM_SPEC_SPEC_VALIDATOR_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "platform/plugin_api/registry.h"
#include "platform/spec/spec_loader.h"
#include "platform/spec/spec_sources.h"

namespace vlmlab {

struct SpecProblem {
  std::string location;  // file:line:column, or a file, or a description of the source
  std::string path;      // field path within the spec
  std::string message;
};

class SpecProblems {
 public:
  void Add(SpecProblem p) { problems_.push_back(std::move(p)); }
  bool empty() const { return problems_.empty(); }
  const std::vector<SpecProblem>& all() const { return problems_; }
  // One line per problem; OK when there are none.
  absl::Status ToStatus() const;

 private:
  std::vector<SpecProblem> problems_;
};

// Annotation, key-uniqueness and plugin-slot checks on any spec message (an Experiment, a Sweep,
// a plugin's options), with locations from `sources`.
void ValidateSpecMessage(const google::protobuf::Message& root, const SpecSources& sources,
                         const PluginRegistries& registries, SpecProblems* problems);

// Everything above plus the experiment's cross-part checks.
absl::Status ValidateExperiment(const LoadedExperiment& loaded, const PluginRegistries& registries);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_SPEC_SPEC_VALIDATOR_H_
