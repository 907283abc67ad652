// `caption`: BLEU-1..4 and CIDEr-D as the COCO caption evaluation computes them
// (platform/metrics/bleu.h, cider.h) on generated captions against the samples' reference
// captions; corpus metrics with bootstrap intervals over images. The per-example score (for
// the eval browser and paired comparisons) is the image's CIDEr-D. With spec.shots, each image
// follows that many captioned demonstrations (the prompt and a first reference caption) drawn
// from spec.shots_data.
#include <memory>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/eval/eval_batches.h"
#include "platform/metrics/bleu.h"
#include "platform/metrics/caption_example.h"
#include "platform/metrics/cider.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/evaluators.pb.h"
#include "plugins/evaluators/evaluator_support.h"

namespace vlmlab {
namespace {

class CaptionEvaluator : public Evaluator {
 public:
  EvaluatorSettingsUsed SettingsUsed() const override { return {.baseline_data = false}; }
  explicit CaptionEvaluator(const CaptionEvalOptions& o) : options_(o) {}

  absl::StatusOr<EvalOutput> Evaluate(VlmModel& model, const EvalInputs& in) override {
    const EvaluatorSpec& spec = *in.spec;
    VLMLAB_ASSIGN_OR_RETURN(std::vector<Sample> all,
                            eval::CollectSamples(*in.samples, spec.max_examples()));
    std::vector<Sample> samples;
    for (Sample& s : all) {
      if (!s.captions.empty() && !s.images.empty()) samples.push_back(std::move(s));
    }
    if (samples.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "data '", spec.data(), "' holds no samples with an image and reference captions"));
    }
    std::vector<std::string> prompts;
    for (const Sample& s : samples) {
      prompts.push_back(eval::FormatPrompt(options_.prompt(), "", s.images.size()));
    }
    VLMLAB_ASSIGN_OR_RETURN(
        ShotPrompts shots,
        PrepareShots(in, samples, [&](const Sample& s) -> std::optional<eval::Demonstration> {
          if (s.captions.empty() || s.images.empty()) return std::nullopt;
          return eval::Demonstration{eval::FormatPrompt(options_.prompt(), "", s.images.size()),
                                     s.captions[0]};
        }));
    VLMLAB_ASSIGN_OR_RETURN(
        std::vector<std::string> replies,
        eval::GenerateReplies(model, shots.Samples(samples), prompts, spec.generation(),
                              spec.batch_size(), in.seed, shots.set.contexts));
    std::vector<metrics::CaptionExample> examples;
    std::vector<metrics::BleuStats> bleu;
    for (size_t i = 0; i < samples.size(); ++i) {
      examples.push_back(
          metrics::MakeCaptionExample(samples[i].key, replies[i], samples[i].captions));
      bleu.push_back(metrics::ComputeBleuStats(examples.back()));
    }
    metrics::CiderD cider(examples);
    metrics::BootstrapOptions b = BootstrapFor(spec, in.seed);
    EvalOutput out;
    out.prompt_template = options_.prompt();
    out.official_results = {"image_id", "caption", ".coco_results.json"};  // COCO's format
    out.scores = cider.Scores();
    out.metrics["cider_d"] = StatisticWithCi(
        samples.size(), [&](const std::vector<size_t>& idx) { return cider.Mean(idx); }, b);
    for (int n = 0; n < 4; ++n) {
      out.metrics[absl::StrCat("bleu_", n + 1)] = StatisticWithCi(
          samples.size(),
          [&, n](const std::vector<size_t>& idx) { return metrics::CorpusBleu(bleu, idx)[n]; },
          b);
    }
    for (size_t i = 0; i < samples.size(); ++i) {
      nlohmann::json j = ExampleRecord(samples[i], prompts[i], replies[i], out.scores[i]);
      j["references"] = samples[i].captions;
      shots.Record(i, j);
      out.predictions_json.push_back(j.dump());
    }
    return out;
  }

 private:
  CaptionEvalOptions options_;
};

VLMLAB_REGISTER_PLUGIN(
    Evaluator, CaptionEvalOptions, "caption", "COCO caption metrics: BLEU-1..4 and CIDEr-D",
    [](const CaptionEvalOptions& o,
       const BuildContext&) -> absl::StatusOr<std::unique_ptr<Evaluator>> {
      return std::make_unique<CaptionEvaluator>(o);
    },
    nullptr);

}  // namespace
}  // namespace vlmlab
