// `llm_judge`: LAVE-style judging of free-form answers (platform/eval/lave.h). The evaluated
// model answers the questions (AskShortAnswers, with the `prompt` template and spec.shots);
// then a judge language model reads the pinned LAVE prompt for each answer (the question, the
// distinct reference answers, the candidate) and rates it 1..3, mapped to 0 / 0.5 / 1. A judge
// reply without a rating scores 0 and is counted ("unparseable", a fraction). Metrics: "lave"
// (mean score), "unparseable", "rating/1".."rating/3" (fractions), "question_type/<t>".
//
// The judge is loaded when the evaluator runs, text-only, greedy, max_new_tokens from the
// options: the model of `judge_experiment` (an experiment file or a run directory) with the
// weights of `judge_checkpoint` (or the run's latest checkpoint), or the bare LLM `judge` with
// `judge_tokenizer` and the safetensors file `judge_checkpoint`.
#include <filesystem>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "platform/base/status_macros.h"
#include "platform/eval/lave.h"
#include "platform/eval/text_generator.h"
#include "platform/eval/trained_model.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/evaluators.pb.h"
#include "platform/spec/spec_loader.h"
#include "plugins/evaluators/evaluator_support.h"

namespace vlmlab {
namespace {

absl::StatusOr<std::unique_ptr<eval::TextGenerator>> LoadJudge(const LlmJudgeOptions& o,
                                                               const PluginRegistries& registries,
                                                               uint64_t seed) {
  if (o.has_judge()) {
    return eval::LoadLlmGenerator(o.judge(), o.judge_tokenizer(), o.judge_checkpoint(),
                                  registries, seed);
  }
  std::string spec_path = o.judge_experiment(), checkpoint;
  std::error_code ec;
  if (std::filesystem::is_directory(spec_path, ec)) {
    absl::StatusOr<eval::TrainedRunPaths> run = eval::LocateTrainedRun(spec_path);
    VLMLAB_RETURN_IF_ERROR(Prefixed(run.status(), "judge_experiment"));
    if (run->experiment_path.empty()) {
      return absl::NotFoundError(absl::StrCat("judge_experiment: ", spec_path,
                                              " holds no experiment.textproto; name the "
                                              "experiment file instead"));
    }
    spec_path = run->experiment_path;
    checkpoint = run->checkpoint;
  }
  if (!o.judge_checkpoint().empty()) {
    absl::StatusOr<eval::TrainedRunPaths> at = eval::LocateTrainedRun(o.judge_checkpoint());
    VLMLAB_RETURN_IF_ERROR(Prefixed(at.status(), "judge_checkpoint"));
    checkpoint = at->checkpoint;
  }
  if (checkpoint.empty()) {
    return absl::InvalidArgumentError(
        "judge_checkpoint: the judge's weights are needed; name a run directory, checkpoint or "
        ".safetensors file (or make judge_experiment a run directory)");
  }
  absl::StatusOr<LoadedExperiment> exp = LoadExperimentFile(spec_path);
  VLMLAB_RETURN_IF_ERROR(Prefixed(exp.status(), "judge_experiment"));
  absl::StatusOr<eval::ModelWeights> weights = eval::ReadModelWeights(checkpoint);
  VLMLAB_RETURN_IF_ERROR(Prefixed(weights.status(), "judge_checkpoint"));
  absl::StatusOr<std::unique_ptr<VlmModel>> model =
      eval::LoadTrainedModel(exp->experiment, *weights, registries);
  VLMLAB_RETURN_IF_ERROR(Prefixed(model.status(), "judge"));
  return eval::VlmTextGenerator(std::move(*model));
}

class LlmJudgeEvaluator : public Evaluator {
 public:
  EvaluatorSettingsUsed SettingsUsed() const override { return {.baseline_data = false}; }
  LlmJudgeEvaluator(const LlmJudgeOptions& o, const BuildContext& context)
      : options_(o), registries_(context.registries), seed_(context.seed) {}

  absl::StatusOr<EvalOutput> Evaluate(VlmModel& model, const EvalInputs& in) override {
    const EvaluatorSpec& spec = *in.spec;
    VLMLAB_ASSIGN_OR_RETURN(Asked a, AskShortAnswers(model, in, options_.prompt()));
    const PluginRegistries& registries = registries_ ? *registries_ : GlobalRegistries();
    VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<eval::TextGenerator> judge,
                            LoadJudge(options_, registries, seed_));
    std::vector<std::string> judge_prompts;
    for (size_t i = 0; i < a.samples.size(); ++i) {
      const Sample& s = a.samples[i];
      std::string question = s.vqa.has_value()
                                 ? s.vqa->question
                                 : absl::StrReplaceAll(OwnPrompt(s), {{kImagePlaceholder, ""}});
      judge_prompts.push_back(eval::LavePrompt(question, a.gold[i], a.replies[i]));
    }
    GenerationSpec greedy;
    greedy.set_max_new_tokens(options_.max_new_tokens());
    absl::StatusOr<std::vector<std::string>> verdicts =
        judge->Generate(judge_prompts, greedy, spec.batch_size(), in.seed);
    VLMLAB_RETURN_IF_ERROR(Prefixed(verdicts.status(), "judge"));

    EvalOutput out;
    out.prompt_template = absl::StrCat(options_.prompt(), "\n[judge ", eval::kLavePromptVersion,
                                       "]\n", eval::LavePromptTemplate());
    std::vector<double> unparseable, rated[3];
    std::vector<std::string> qtypes;
    for (size_t i = 0; i < a.samples.size(); ++i) {
      std::optional<int> rating = eval::ParseLaveRating((*verdicts)[i]);
      out.scores.push_back(rating ? eval::LaveScore(*rating) : 0.0);
      unparseable.push_back(rating ? 0.0 : 1.0);
      for (int r = 0; r < 3; ++r) rated[r].push_back(rating == r + 1 ? 1.0 : 0.0);
      qtypes.push_back(a.samples[i].vqa ? a.samples[i].vqa->question_type : "");
      nlohmann::json j = ExampleRecord(a.samples[i], a.prompts[i], a.replies[i], out.scores[i]);
      j["references"] = a.gold[i];
      j["judge_output"] = (*verdicts)[i];
      j["judge_rating"] = rating ? nlohmann::json(*rating) : nlohmann::json(nullptr);
      a.shots.Record(i, j);
      out.predictions_json.push_back(j.dump());
    }
    metrics::BootstrapOptions b = BootstrapFor(spec, in.seed);
    out.metrics["lave"] = MeanWithCi(out.scores, b);
    out.metrics["unparseable"] = MeanWithCi(unparseable, b);
    for (int r = 0; r < 3; ++r) out.metrics[absl::StrCat("rating/", r + 1)] = MeanWithCi(rated[r], b);
    AddGroupMetrics("question_type", out.scores, qtypes, b, &out);
    return out;
  }

 private:
  LlmJudgeOptions options_;
  const PluginRegistries* registries_;
  uint64_t seed_;
};

void ValidateJudge(const LlmJudgeOptions& o, ValidationContext& ctx) {
  if (o.has_judge() == !o.judge_experiment().empty()) {
    ctx.Error(o.has_judge() ? "judge_experiment" : "judge",
              "name the judge once: either judge_experiment (an experiment file or run "
              "directory) or judge (a bare LLM plugin with judge_checkpoint)");
  }
  if (o.has_judge() && o.judge_checkpoint().empty()) {
    ctx.Error("judge_checkpoint", "a bare-LLM judge needs its weights: a .safetensors file");
  }
  if (!o.has_judge() && o.has_judge_tokenizer()) {
    ctx.Error("judge_tokenizer", "only a bare-LLM judge (judge) takes a tokenizer; a "
                                 "judge_experiment brings its own");
  }
  if (!absl::StrContains(o.prompt(), "{question}")) {
    ctx.Error("prompt", absl::StrCat("prompt \"", o.prompt(),
                                     "\" has no {question} placeholder for the question"));
  }
}

VLMLAB_REGISTER_PLUGIN(
    Evaluator, LlmJudgeOptions, "llm_judge",
    "LAVE-style judging of free-form answers by a language model (rating 1..3 -> 0, 0.5, 1)",
    [](const LlmJudgeOptions& o,
       const BuildContext& context) -> absl::StatusOr<std::unique_ptr<Evaluator>> {
      return std::make_unique<LlmJudgeEvaluator>(o, context);
    },
    ValidateJudge);

}  // namespace
}  // namespace vlmlab
