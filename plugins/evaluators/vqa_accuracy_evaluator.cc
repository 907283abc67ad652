// `vqa_accuracy`: VQAv2 accuracy with the official answer normalisation and the ten
// leave-one-out annotator subsets (platform/metrics/vqa_accuracy.h), overall, per answer type
// ("type/yes/no", "type/number", "type/other") and per question type ("question_type/count"),
// each with a bootstrap interval. Next to it, the blind baseline: every evaluated question
// answered with the most frequent training answer of the same question text (fitted on the
// spec's `baseline_data` mixture), scored the same way ("blind/overall", "blind/type/..."),
// and the model's margin over it with a paired-bootstrap interval ("above_blind"). With
// spec.shots, each question follows that many answered demonstrations (the prompt template
// and the majority human answer) drawn from spec.shots_data.
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "platform/base/status_macros.h"
#include "platform/eval/eval_batches.h"
#include "platform/metrics/vqa_accuracy.h"
#include "platform/metrics/vqa_blind_baseline.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/evaluators.pb.h"
#include "plugins/evaluators/evaluator_support.h"

namespace vlmlab {
namespace {

metrics::VqaQuestion ToQuestion(const Sample& s) {
  metrics::VqaQuestion q;
  q.question_id = absl::StrCat(s.vqa->question_id);
  q.image_id = absl::StrCat(s.image_id);
  q.question = s.vqa->question;
  q.question_type = s.vqa->question_type;
  q.answer_type = s.vqa->answer_type;
  q.answers = s.vqa->answers;
  return q;
}

class VqaAccuracyEvaluator : public Evaluator {
 public:
  explicit VqaAccuracyEvaluator(const VqaAccuracyOptions& o) : options_(o) {}

  absl::StatusOr<EvalOutput> Evaluate(VlmModel& model, const EvalInputs& in) override {
    const EvaluatorSpec& spec = *in.spec;
    VLMLAB_ASSIGN_OR_RETURN(std::vector<Sample> all,
                            eval::CollectSamples(*in.samples, spec.max_examples()));
    std::vector<Sample> samples;
    for (Sample& s : all) {
      if (s.vqa.has_value() && !s.vqa->answers.empty()) samples.push_back(std::move(s));
    }
    if (samples.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "data '", spec.data(), "' holds no samples with VQA questions and answers"));
    }
    std::vector<std::string> prompts;
    for (const Sample& s : samples) {
      prompts.push_back(eval::FormatPrompt(options_.prompt(), s.vqa->question, s.images.size()));
    }
    VLMLAB_ASSIGN_OR_RETURN(
        ShotPrompts shots,
        PrepareShots(in, samples, [&](const Sample& s) -> std::optional<eval::Demonstration> {
          if (!s.vqa.has_value() || s.vqa->answers.empty()) return std::nullopt;
          return eval::Demonstration{
              eval::FormatPrompt(options_.prompt(), s.vqa->question, s.images.size()),
              MajorityAnswer(s.vqa->answers)};
        }));
    VLMLAB_ASSIGN_OR_RETURN(
        std::vector<std::string> replies,
        eval::GenerateReplies(model, shots.Samples(samples), prompts, spec.generation(),
                              spec.batch_size(), in.seed, shots.set.contexts));
    metrics::BootstrapOptions b = BootstrapFor(spec, in.seed);
    const metrics::VqaScript script = options_.script() == VqaAccuracyOptions::PRE_2021
                                          ? metrics::VqaScript::kPre2021
                                          : metrics::VqaScript::kCurrent;
    std::vector<double> scores;
    std::vector<std::string> types, qtypes;
    for (size_t i = 0; i < samples.size(); ++i) {
      scores.push_back(metrics::VqaAccuracy(replies[i], samples[i].vqa->answers, script));
      types.push_back(samples[i].vqa->answer_type);
      qtypes.push_back(samples[i].vqa->question_type);
    }
    EvalOutput out;
    out.prompt_template = options_.prompt();
    out.official_results = {"question_id", "answer", ".vqav2_results.json"};  // VQAv2's format
    out.scores = scores;
    out.metrics["overall"] = MeanWithCi(scores, b);
    AddGroupMetrics("type", scores, types, b, &out);
    AddGroupMetrics("question_type", scores, qtypes, b, &out);

    std::vector<std::string> blind(samples.size());
    if (options_.blind_baseline()) {
      if (in.baseline_samples == nullptr) {
        LOG(WARNING) << "evaluator " << spec.name()
                     << ": no baseline_data, so no blind baseline is reported";
      } else {
        VLMLAB_ASSIGN_OR_RETURN(
            std::vector<Sample> train,
            eval::CollectSamples(*in.baseline_samples, in.baseline_max_samples));
        std::vector<metrics::VqaQuestion> train_questions;
        for (const Sample& s : train) {
          if (s.vqa.has_value() && !s.vqa->answers.empty()) train_questions.push_back(ToQuestion(s));
        }
        if (train_questions.empty()) {
          return absl::FailedPreconditionError(
              absl::StrCat("baseline_data '", spec.baseline_data(),
                           "' holds no VQA questions to fit the blind baseline on"));
        }
        metrics::VqaBlindBaseline baseline = metrics::VqaBlindBaseline::Fit(train_questions);
        std::vector<double> blind_scores;
        for (size_t i = 0; i < samples.size(); ++i) {
          blind[i] = baseline.Predict(samples[i].vqa->question);
          blind_scores.push_back(metrics::VqaAccuracy(blind[i], samples[i].vqa->answers, script));
        }
        out.metrics["blind/overall"] = MeanWithCi(blind_scores, b);
        AddGroupMetrics("blind/type", blind_scores, types, b, &out);
        AddGroupMetrics("blind/question_type", blind_scores, qtypes, b, &out);
        absl::StatusOr<metrics::PairedComparison> diff =
            metrics::PairedBootstrapMeans(scores, blind_scores, b);
        MetricValue above;
        above.n = static_cast<int64_t>(scores.size());
        above.value = out.metrics["overall"].value - out.metrics["blind/overall"].value;
        above.ci_low = above.ci_high = above.value;
        if (diff.ok() && b.resamples > 0) {
          above.ci_low = diff->difference.lower;
          above.ci_high = diff->difference.upper;
        }
        out.metrics["above_blind"] = above;
      }
    }
    for (size_t i = 0; i < samples.size(); ++i) {
      const Sample& s = samples[i];
      nlohmann::json j = ExampleRecord(s, prompts[i], replies[i], scores[i]);
      j["references"] = s.vqa->answers;
      j["answer_type"] = s.vqa->answer_type;
      j["question_type"] = s.vqa->question_type;
      if (!blind[i].empty()) j["blind_prediction"] = blind[i];
      shots.Record(i, j);
      out.predictions_json.push_back(j.dump());
    }
    return out;
  }

 private:
  VqaAccuracyOptions options_;
};

VLMLAB_REGISTER_PLUGIN(
    Evaluator, VqaAccuracyOptions, "vqa_accuracy",
    "VQAv2 accuracy (official normalisation, 10-annotator average) with a blind baseline",
    [](const VqaAccuracyOptions& o,
       const BuildContext&) -> absl::StatusOr<std::unique_ptr<Evaluator>> {
      return std::make_unique<VqaAccuracyEvaluator>(o);
    },
    [](const VqaAccuracyOptions& o, ValidationContext& ctx) {
      if (!absl::StrContains(o.prompt(), "{question}")) {
        ctx.Error("prompt", absl::StrCat("prompt \"", o.prompt(),
                                         "\" has no {question} placeholder for the question"));
      }
    });

}  // namespace
}  // namespace vlmlab
