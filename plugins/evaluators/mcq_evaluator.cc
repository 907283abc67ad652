// `mcq`: multiple-choice accuracy on samples with a ChoiceAnnotation, asked their own prompt
// (question, lettered options, instruction). LOG_LIKELIHOOD picks the option whose answer has
// the highest log-likelihood as the assistant's reply (per token when length_normalize); the
// answer is the option's letter when the sample's own answer is a letter, else the option's
// text. GENERATED_LETTER generates a reply and reads the letter from it
// (platform/metrics/mcq.h: "B", "(B)", "B.", "The answer is B", or the option's text); in
// log-likelihood mode each record lists the options' scores (`option_scores`). With
// spec.shots, each question follows that many answered questions from spec.shots_data, asked
// their own prompts; only the final answer is scored.
#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/eval/eval_batches.h"
#include "platform/metrics/mcq.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/plugin_api/validation_context.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/evaluators.pb.h"
#include "plugins/evaluators/evaluator_support.h"

namespace vlmlab {
namespace {

class McqEvaluator : public Evaluator {
 public:
  explicit McqEvaluator(const McqOptions& o) : options_(o) {}
  // The generation settings are read only when the model generates its letter.
  EvaluatorSettingsUsed SettingsUsed() const override {
    return {.generation = options_.mode() == McqOptions::GENERATED_LETTER,
            .baseline_data = false};
  }

  absl::StatusOr<EvalOutput> Evaluate(VlmModel& model, const EvalInputs& in) override {
    const EvaluatorSpec& spec = *in.spec;
    VLMLAB_ASSIGN_OR_RETURN(std::vector<Sample> all,
                            eval::CollectSamples(*in.samples, spec.max_examples()));
    std::vector<Sample> samples;
    for (Sample& s : all) {
      if (s.choice.has_value() && s.choice->options.size() >= 2 && s.choice->correct >= 0) {
        samples.push_back(std::move(s));
      }
    }
    if (samples.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("data '", spec.data(), "' holds no multiple-choice samples"));
    }
    std::vector<std::string> prompts;
    for (const Sample& s : samples) prompts.push_back(OwnPrompt(s));
    VLMLAB_ASSIGN_OR_RETURN(
        ShotPrompts shots,
        PrepareShots(in, samples, [](const Sample& s) -> std::optional<eval::Demonstration> {
          if (!s.choice.has_value() || OwnAnswer(s).empty()) return std::nullopt;
          return eval::Demonstration{OwnPrompt(s), OwnAnswer(s)};
        }));
    const std::vector<Sample>& asked = shots.Samples(samples);
    std::vector<int> chosen(samples.size(), -1);
    std::vector<std::string> shown(samples.size());
    std::vector<std::vector<double>> option_scores(samples.size());  // log-likelihood mode
    if (options_.mode() == McqOptions::LOG_LIKELIHOOD) {
      std::vector<std::vector<std::string>> candidates;
      for (const Sample& s : samples) {
        bool letters = OwnAnswer(s).size() == 1;
        std::vector<std::string> c;
        for (size_t k = 0; k < s.choice->options.size(); ++k) {
          c.push_back(letters ? metrics::ChoiceLetter(static_cast<int>(k)) : s.choice->options[k]);
        }
        candidates.push_back(std::move(c));
      }
      VLMLAB_ASSIGN_OR_RETURN(
          std::vector<std::vector<double>> ll,
          eval::ScoreReplies(model, asked, prompts, candidates, spec.batch_size(),
                             options_.length_normalize(), shots.set.contexts));
      for (size_t i = 0; i < samples.size(); ++i) {
        chosen[i] = static_cast<int>(std::max_element(ll[i].begin(), ll[i].end()) - ll[i].begin());
        shown[i] = candidates[i][chosen[i]];
        option_scores[i] = ll[i];
      }
    } else {
      VLMLAB_ASSIGN_OR_RETURN(shown, eval::GenerateReplies(model, asked, prompts,
                                                           spec.generation(), spec.batch_size(),
                                                           in.seed, shots.set.contexts));
      for (size_t i = 0; i < samples.size(); ++i) {
        chosen[i] = metrics::ParseChoice(shown[i], static_cast<int>(samples[i].choice->options.size()),
                                         samples[i].choice->options);
      }
    }
    EvalOutput out;
    std::vector<std::string> qtypes;
    for (size_t i = 0; i < samples.size(); ++i) {
      out.scores.push_back(chosen[i] == samples[i].choice->correct ? 1.0 : 0.0);
      qtypes.push_back(samples[i].vqa ? samples[i].vqa->question_type : "");
    }
    metrics::BootstrapOptions b = BootstrapFor(spec, in.seed);
    out.metrics["accuracy"] = MeanWithCi(out.scores, b);
    AddGroupMetrics("question_type", out.scores, qtypes, b, &out);
    for (size_t i = 0; i < samples.size(); ++i) {
      nlohmann::json j = ExampleRecord(samples[i], prompts[i], shown[i], out.scores[i]);
      j["options"] = samples[i].choice->options;
      j["correct"] = metrics::ChoiceLetter(samples[i].choice->correct);
      j["chosen"] = chosen[i] >= 0 ? metrics::ChoiceLetter(chosen[i]) : "";
      if (!option_scores[i].empty()) j["option_scores"] = option_scores[i];
      j["references"] = nlohmann::json::array({metrics::ChoiceLetter(samples[i].choice->correct)});
      shots.Record(i, j);
      out.predictions_json.push_back(j.dump());
    }
    return out;
  }

 private:
  McqOptions options_;
};

VLMLAB_REGISTER_PLUGIN(
    Evaluator, McqOptions, "mcq", "Multiple choice by option log-likelihood or generated letter",
    [](const McqOptions& o, const BuildContext&) -> absl::StatusOr<std::unique_ptr<Evaluator>> {
      return std::make_unique<McqEvaluator>(o);
    },
    [](const McqOptions& o, ValidationContext& ctx) {
      if (o.mode() == McqOptions::GENERATED_LETTER && o.has_length_normalize()) {
        ctx.Error("length_normalize", "applies to mode LOG_LIKELIHOOD only (a generated letter "
                                      "has no option likelihoods); remove it");
      }
      return absl::OkStatus();
    });

}  // namespace
}  // namespace vlmlab
