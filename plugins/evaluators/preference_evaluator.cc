// `preference`: on samples with a PreferenceAnnotation (a prompt, a chosen and a rejected
// reply), the log-likelihood of each reply as the assistant's answer to the prompt, with the
// sample's images. Metrics: `accuracy`, the share of pairs whose chosen reply is the more
// likely (DPO's implicit reward ranks it first when the reference is shared), and `margin`,
// the mean of log p(chosen) - log p(rejected) in nats; both with bootstrap intervals.
#include <memory>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/eval/eval_batches.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/evaluators.pb.h"
#include "plugins/evaluators/evaluator_support.h"

namespace vlmlab {
namespace {

class PreferenceEvaluator : public Evaluator {
 public:
  EvaluatorSettingsUsed SettingsUsed() const override {
    return {.generation = false, .shots = false, .baseline_data = false};
  }
  absl::StatusOr<EvalOutput> Evaluate(VlmModel& model, const EvalInputs& in) override {
    const EvaluatorSpec& spec = *in.spec;
    VLMLAB_ASSIGN_OR_RETURN(std::vector<Sample> all,
                            eval::CollectSamples(*in.samples, spec.max_examples()));
    std::vector<Sample> samples;
    for (Sample& s : all) {
      if (s.preference.has_value()) samples.push_back(std::move(s));
    }
    if (samples.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("data '", spec.data(),
                       "' holds no preference pairs (the synthetic world's "
                       "PREFERENCE task has them)"));
    }
    std::vector<std::string> prompts;
    std::vector<std::vector<std::string>> replies;
    for (const Sample& s : samples) {
      prompts.push_back(s.preference->prompt);
      replies.push_back({s.preference->chosen, s.preference->rejected});
    }
    VLMLAB_ASSIGN_OR_RETURN(std::vector<std::vector<double>> ll,
                            eval::ScoreReplies(model, samples, prompts, replies, spec.batch_size(),
                                               /*per_token=*/false));
    EvalOutput out;
    std::vector<double> margins;
    for (size_t i = 0; i < samples.size(); ++i) {
      margins.push_back(ll[i][0] - ll[i][1]);
      out.scores.push_back(ll[i][0] > ll[i][1] ? 1.0 : 0.0);
    }
    metrics::BootstrapOptions b = BootstrapFor(spec, in.seed);
    out.metrics["accuracy"] = MeanWithCi(out.scores, b);
    out.metrics["margin"] = MeanWithCi(margins, b);
    for (size_t i = 0; i < samples.size(); ++i) {
      nlohmann::json j = ExampleRecord(
          samples[i], prompts[i], out.scores[i] > 0 ? replies[i][0] : replies[i][1], out.scores[i]);
      j["chosen"] = replies[i][0];
      j["rejected"] = replies[i][1];
      j["logp_chosen"] = ll[i][0];
      j["logp_rejected"] = ll[i][1];
      j["references"] = nlohmann::json::array({replies[i][0]});
      out.predictions_json.push_back(j.dump());
    }
    return out;
  }
};

VLMLAB_REGISTER_PLUGIN(
    Evaluator, PreferenceOptions, "preference",
    "Held-out preference pairs: how often and by how much the chosen reply is more likely",
    [](const PreferenceOptions&,
       const BuildContext&) -> absl::StatusOr<std::unique_ptr<Evaluator>> {
      return std::make_unique<PreferenceEvaluator>();
    },
    nullptr);

}  // namespace
}  // namespace vlmlab
