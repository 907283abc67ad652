// Evaluators that generate a short answer per question and score it against the reference
// answers: `anls` (DocVQA's average normalised Levenshtein similarity, threshold from the
// options), `exact_match` (optionally normalised), `pope` (yes/no hallucination probing:
// accuracy, precision, recall, F1 and the yes ratio, "yes" being the positive class).
// Questions come from the samples' VQA annotations; a sample without one is asked its own
// first user turn and judged against its last assistant turn (AskShortAnswers). With
// spec.shots, each question follows that many answered demonstrations from spec.shots_data.
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/eval/eval_batches.h"
#include "platform/metrics/anls.h"
#include "platform/metrics/exact_match.h"
#include "platform/metrics/pope.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/evaluators.pb.h"
#include "plugins/evaluators/evaluator_support.h"

namespace vlmlab {
namespace {

EvalOutput PerExample(const Asked& a, const std::vector<double>& scores,
                      const metrics::BootstrapOptions& b, const std::string& name,
                      const std::string& prompt_template) {
  EvalOutput out;
  out.prompt_template = prompt_template;
  out.scores = scores;
  out.metrics[name] = MeanWithCi(scores, b);
  std::vector<std::string> qtypes;
  for (const Sample& s : a.samples) qtypes.push_back(s.vqa ? s.vqa->question_type : "");
  AddGroupMetrics("question_type", scores, qtypes, b, &out);
  for (size_t i = 0; i < a.samples.size(); ++i) {
    nlohmann::json j = ExampleRecord(a.samples[i], a.prompts[i], a.replies[i], scores[i]);
    j["references"] = a.gold[i];
    a.shots.Record(i, j);
    out.predictions_json.push_back(j.dump());
  }
  return out;
}

class AnlsEvaluator : public Evaluator {
 public:
  EvaluatorSettingsUsed SettingsUsed() const override { return {.baseline_data = false}; }
  explicit AnlsEvaluator(const AnlsOptions& o) : options_(o) {}
  absl::StatusOr<EvalOutput> Evaluate(VlmModel& model, const EvalInputs& in) override {
    VLMLAB_ASSIGN_OR_RETURN(Asked a, AskShortAnswers(model, in, options_.prompt()));
    std::vector<double> scores;
    for (size_t i = 0; i < a.samples.size(); ++i) {
      scores.push_back(metrics::Anls(a.replies[i], a.gold[i], options_.threshold()));
    }
    return PerExample(a, scores, BootstrapFor(*in.spec, in.seed), "anls", options_.prompt());
  }

 private:
  AnlsOptions options_;
};

class ExactMatchEvaluator : public Evaluator {
 public:
  EvaluatorSettingsUsed SettingsUsed() const override { return {.baseline_data = false}; }
  explicit ExactMatchEvaluator(const ExactMatchOptions& o) : options_(o) {}
  absl::StatusOr<EvalOutput> Evaluate(VlmModel& model, const EvalInputs& in) override {
    VLMLAB_ASSIGN_OR_RETURN(Asked a, AskShortAnswers(model, in, ""));
    auto norm = options_.normalize() ? metrics::MatchNormalization::kSimple
                                     : metrics::MatchNormalization::kNone;
    std::vector<double> scores;
    for (size_t i = 0; i < a.samples.size(); ++i) {
      scores.push_back(metrics::ExactMatch(a.replies[i], a.gold[i], norm));
    }
    return PerExample(a, scores, BootstrapFor(*in.spec, in.seed), "exact_match", "");
  }

 private:
  ExactMatchOptions options_;
};

class PopeEvaluator : public Evaluator {
 public:
  EvaluatorSettingsUsed SettingsUsed() const override { return {.baseline_data = false}; }
  explicit PopeEvaluator(const PopeOptions& o) : options_(o) {}
  absl::StatusOr<EvalOutput> Evaluate(VlmModel& model, const EvalInputs& in) override {
    VLMLAB_ASSIGN_OR_RETURN(Asked all, AskShortAnswers(model, in, options_.prompt()));
    // Only yes/no questions count: the label is the majority of the human answers.
    std::vector<bool> predicted, label;
    std::vector<double> scores;
    Asked a;
    for (size_t i = 0; i < all.samples.size(); ++i) {
      int yes = 0, no = 0;
      for (const std::string& g : all.gold[i]) {
        (metrics::PopeSaysYes(g) ? yes : no) += 1;
      }
      bool is_yes_no = all.samples[i].vqa ? all.samples[i].vqa->answer_type == "yes/no" : false;
      if (!is_yes_no) continue;
      predicted.push_back(metrics::PopeSaysYes(all.replies[i]));
      label.push_back(yes > no);
      scores.push_back(predicted.back() == label.back() ? 1.0 : 0.0);
      a.samples.push_back(all.samples[i]);
      a.prompts.push_back(all.prompts[i]);
      a.gold.push_back(all.gold[i]);
      a.replies.push_back(all.replies[i]);
      if (!all.shots.set.shot_keys.empty()) {
        a.shots.set.shot_keys.push_back(all.shots.set.shot_keys[i]);
      }
    }
    if (a.samples.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "data '", in.spec->data(), "' holds no yes/no questions (answer_type \"yes/no\")"));
    }
    metrics::BootstrapOptions b = BootstrapFor(*in.spec, in.seed);
    EvalOutput out = PerExample(a, scores, b, "accuracy", options_.prompt());
    auto stat = [&](double metrics::PopeMetrics::*field) {
      return StatisticWithCi(
          a.samples.size(),
          [&, field](const std::vector<size_t>& idx) {
            return metrics::ComputePope(predicted, label, idx).*field;
          },
          b);
    };
    out.metrics["precision"] = stat(&metrics::PopeMetrics::precision);
    out.metrics["recall"] = stat(&metrics::PopeMetrics::recall);
    out.metrics["f1"] = stat(&metrics::PopeMetrics::f1);
    out.metrics["yes_ratio"] = stat(&metrics::PopeMetrics::yes_ratio);
    return out;
  }

 private:
  PopeOptions options_;
};

void RequireQuestion(const std::string& prompt, ValidationContext& ctx) {
  if (!absl::StrContains(prompt, "{question}")) {
    ctx.Error("prompt", absl::StrCat("prompt \"", prompt,
                                     "\" has no {question} placeholder for the question"));
  }
}

VLMLAB_REGISTER_PLUGIN(
    Evaluator, AnlsOptions, "anls", "Average normalised Levenshtein similarity (DocVQA)",
    [](const AnlsOptions& o, const BuildContext&) -> absl::StatusOr<std::unique_ptr<Evaluator>> {
      return std::make_unique<AnlsEvaluator>(o);
    },
    [](const AnlsOptions& o, ValidationContext& ctx) { RequireQuestion(o.prompt(), ctx); });
VLMLAB_REGISTER_PLUGIN(
    Evaluator, ExactMatchOptions, "exact_match", "Exact match after optional normalisation",
    [](const ExactMatchOptions& o,
       const BuildContext&) -> absl::StatusOr<std::unique_ptr<Evaluator>> {
      return std::make_unique<ExactMatchEvaluator>(o);
    },
    nullptr);
VLMLAB_REGISTER_PLUGIN(
    Evaluator, PopeOptions, "pope", "POPE yes/no hallucination: accuracy, precision, recall, F1",
    [](const PopeOptions& o, const BuildContext&) -> absl::StatusOr<std::unique_ptr<Evaluator>> {
      return std::make_unique<PopeEvaluator>(o);
    },
    [](const PopeOptions& o, ValidationContext& ctx) { RequireQuestion(o.prompt(), ctx); });

}  // namespace
}  // namespace vlmlab
