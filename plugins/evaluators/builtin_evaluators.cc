// The evaluators: VQA accuracy, captioning, ANLS, multiple choice, exact match, POPE and an
// LLM judge. Registered with their options and prompt checks so specs validate; the metrics
// arrive with the evaluators issue.
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/evaluators.pb.h"
#include "plugins/configured_plugin.h"

namespace vlmlab {
namespace {

void RequireQuestion(const std::string& prompt, ValidationContext& ctx) {
  if (!absl::StrContains(prompt, "{question}")) {
    ctx.Error("prompt", absl::StrCat("prompt \"", prompt,
                                     "\" has no {question} placeholder for the question"));
  }
}

VLMLAB_REGISTER_PLUGIN(
    Evaluator, VqaAccuracyOptions, "vqa_accuracy",
    "VQAv2 accuracy (official normalisation, 10-annotator average) with a blind baseline",
    (CreateConfigured<Evaluator, VqaAccuracyOptions>),
    [](const VqaAccuracyOptions& o, ValidationContext& ctx) { RequireQuestion(o.prompt(), ctx); });
VLMLAB_REGISTER_PLUGIN(Evaluator, CaptionEvalOptions, "caption",
                       "COCO caption metrics: BLEU-1..4 and CIDEr-D",
                       (CreateConfigured<Evaluator, CaptionEvalOptions>), nullptr);
VLMLAB_REGISTER_PLUGIN(Evaluator, AnlsOptions, "anls",
                       "Average normalised Levenshtein similarity (DocVQA)",
                       (CreateConfigured<Evaluator, AnlsOptions>),
                       [](const AnlsOptions& o, ValidationContext& ctx) {
                         RequireQuestion(o.prompt(), ctx);
                       });
VLMLAB_REGISTER_PLUGIN(Evaluator, McqOptions, "mcq",
                       "Multiple choice by option log-likelihood or generated letter",
                       (CreateConfigured<Evaluator, McqOptions>), nullptr);
VLMLAB_REGISTER_PLUGIN(Evaluator, ExactMatchOptions, "exact_match",
                       "Exact match after optional normalisation",
                       (CreateConfigured<Evaluator, ExactMatchOptions>), nullptr);
VLMLAB_REGISTER_PLUGIN(Evaluator, PopeOptions, "pope",
                       "POPE yes/no hallucination: accuracy, precision, recall, F1",
                       (CreateConfigured<Evaluator, PopeOptions>),
                       [](const PopeOptions& o, ValidationContext& ctx) {
                         RequireQuestion(o.prompt(), ctx);
                       });
VLMLAB_REGISTER_PLUGIN(Evaluator, LlmJudgeOptions, "llm_judge",
                       "LAVE-style judging of free-form answers by a language model",
                       (CreateConfigured<Evaluator, LlmJudgeOptions>), nullptr);

}  // namespace
}  // namespace vlmlab
