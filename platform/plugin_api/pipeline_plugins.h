// Interfaces of the plugins around the model: datasets, training stages and evaluators.
//
// - A Dataset opens a stream of samples (platform/data/sample_source.h) for a split.
// - A Stage turns a batch into a loss for the shared optimisation loop
//   (platform/train/train_loop.h); the runner owns steps, optimizers, schedules, checkpoints.
// - An Evaluator scores a model on a stream of samples and returns metrics with confidence
//   intervals plus per-example predictions.
//
//   absl::StatusOr<std::unique_ptr<Stage>> stage = entry->create(dpo_options, build_context);
//   VLMLAB_RETURN_IF_ERROR((*stage)->Prepare(model, context));  // e.g. keep a DPO reference
//   VLMLAB_ASSIGN_OR_RETURN(StageLoss l, (*stage)->Loss(model, batch));
//
// Until each kind's implementations land, the methods' defaults return Unimplemented.
// The types they exchange (VlmModel, Batch, SampleSource) are declared here and defined in
// platform/model and platform/data; an implementation includes those headers.
#ifndef VLMLAB_PLATFORM_PLUGIN_API_PIPELINE_PLUGINS_H_
#define VLMLAB_PLATFORM_PLUGIN_API_PIPELINE_PLUGINS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/plugin_api/plugin_kind.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

class EvaluatorSpec;  // platform/spec/evaluators.proto
class VlmModel;       // platform/model/vlm_model.h
namespace data {
class SampleSource;  // platform/data/sample_source.h
class Mixture;       // platform/data/mixture.h
struct Batch;        // platform/data/batch.h
}  // namespace data

struct DatasetOpenOptions {
  uint64_t seed = 0;     // shuffling order
  bool shuffle = true;   // false for evaluation: a fixed order
  bool strict = false;   // a bad sample is an error instead of skipped and counted
};

class Dataset : public Plugin {
 public:
  static constexpr PluginKind kKind = PluginKind::kDataset;
  // Sets `*source` (an out-parameter so this header needs only a declaration of the type).
  virtual absl::Status Open(const DatasetOpenOptions& options,
                            std::unique_ptr<data::SampleSource>* source) const {
    return absl::UnimplementedError("this dataset cannot be opened yet");
  }
};

// How a stage wants its samples turned into batches.
struct StageDataPolicy {
  bool assistant_loss_only = false;  // labels only on assistant turns (else every text token)
  float text_only_fraction = 0;      // share of samples whose images are dropped
  // Preference pairs: every sample with a PreferenceAnnotation becomes two consecutive rows,
  // chosen then rejected (Batch rows 2i and 2i + 1); samples without one are skipped.
  bool preference_pairs = false;
  // The stage embeds captions and images with model.text_tower (contrastive): `vlmlab
  // validate` refuses the stage in a model without one.
  bool needs_text_tower = false;
  // Each sample must bring exactly one whole image (no image splitting): validate refuses
  // image_splitting in the stage.
  bool whole_single_images = false;
};

// One micro-batch's loss (a scalar with autograd history) and extra scalars to log.
struct StageLoss {
  Tensor loss;
  int64_t samples = 0;
  std::map<std::string, double> metrics;  // e.g. "dpo/reward_margin"
  // Training FLOPs of this micro-batch when the stage knows them (a stage that does not run
  // the VLM's forward pass); 0 = estimated from the batch as a VLM forward and backward.
  double flops = 0;
};

struct StageContext {
  std::string name;      // the stage's name in the experiment
  // A directory the stage may keep its own state in; it survives a resume of the run.
  std::string work_dir;
  bool resuming = false;  // Prepare runs for a run resumed inside this stage
  // Micro-batches the stage has already trained on (resumed: steps done x grad_accum), so a
  // stage that draws random numbers per batch (masks, caption choice) continues its stream.
  int64_t micro_batches_done = 0;
};

class Stage : public Plugin {
 public:
  static constexpr PluginKind kKind = PluginKind::kStage;
  virtual StageDataPolicy DataPolicy() const { return {}; }
  // Called once before the stage's first step (after trainability is applied), e.g. to keep
  // the model as a frozen DPO reference. Also called, with context.resuming, when a run
  // resumes inside the stage (after the checkpoint's weights are loaded).
  virtual absl::Status Prepare(VlmModel& model, const StageContext& context) {
    return absl::OkStatus();
  }
  // A module the stage trains besides the model (a masked-image-modelling decoder head), or
  // nullptr. The runner builds it when the stage starts (and when a run resumes inside it),
  // initialises it from the experiment seed and attaches it to the model as
  // VlmModel::stage_head(), so it is optimised and checkpointed with the model; the next stage
  // replaces it. Built before Prepare.
  virtual absl::StatusOr<std::unique_ptr<nn::Module>> BuildHead(const VlmModel& model) {
    return std::unique_ptr<nn::Module>();
  }
  virtual absl::StatusOr<StageLoss> Loss(VlmModel& model, const data::Batch& batch) {
    return absl::UnimplementedError("this stage cannot train yet");
  }
};

// A metric with its bootstrap confidence interval.
struct MetricValue {
  double value = 0;
  double ci_low = 0;
  double ci_high = 0;
  int64_t n = 0;  // examples behind it
};

// The benchmark's official results file that the runner writes beside the predictions
// (`<name><file_suffix>` in the predictions directory): a JSON array of {id_field: the
// record's integer id, text_field: its prediction}, one entry per id. An empty id_field: none.
struct OfficialResultsFormat {
  std::string id_field;     // e.g. "question_id" (VQAv2) or "image_id" (COCO captions)
  std::string text_field;   // e.g. "answer" or "caption"
  std::string file_suffix;  // e.g. ".vqav2_results.json"
};

struct EvalOutput {
  std::map<std::string, MetricValue> metrics;  // "overall", "type/number", "blind/overall", ...
  // Per-example records (JSON objects: key, question, references, prediction, score), in
  // evaluation order, for the predictions file and the dashboard's eval browser.
  std::vector<std::string> predictions_json;
  // Per-example scores in the same order, for paired comparisons between runs.
  std::vector<double> scores;
  // The prompt template the evaluator asked the model with, exactly as used (defaults
  // resolved), e.g. "Question: {question} Short answer:"; the runner records its hash so
  // results are comparable only under the same prompt. Empty when the samples' own prompts
  // were asked.
  std::string prompt_template;
  // Written by the runner from the prediction records when set (they carry id_field).
  OfficialResultsFormat official_results;
};

struct EvalInputs {
  // The evaluator's spec entry: generation settings, shots, batch size, bootstrap samples,
  // confidence level, max_examples.
  const EvaluatorSpec* spec = nullptr;
  // The evaluation data (a non-cycling mixture: a fixed order, it ends).
  data::Mixture* samples = nullptr;
  // Training data for baselines that need it (the VQA blind baseline: each question's most
  // frequent training answer); null when the spec names none. Read at most
  // `baseline_max_samples` draws.
  data::Mixture* baseline_samples = nullptr;
  int64_t baseline_max_samples = 20000;
  uint64_t seed = 0;  // bootstrap and sampling
  // The mixture k-shot demonstrations are drawn from (spec.shots_data; a shuffled, non-cycling
  // mixture): null when spec.shots is 0. Evaluators read at most spec.shots_pool samples
  // (platform/eval/few_shot.h).
  data::Mixture* shot_samples = nullptr;
};

// Which of EvaluatorSpec's shared settings an evaluator reads. `vlmlab validate` refuses a
// setting the evaluator would ignore (generation for one that scores likelihoods, shots for
// one without prompts, baseline_data for one without a baseline), so no spec field is inert.
struct EvaluatorSettingsUsed {
  bool generation = true;     // generation { ... }
  bool shots = true;          // shots, shots_data, shots_pool
  bool baseline_data = true;  // baseline_data
};

class Evaluator : public Plugin {
 public:
  static constexpr PluginKind kKind = PluginKind::kEvaluator;
  virtual EvaluatorSettingsUsed SettingsUsed() const { return {}; }
  virtual absl::StatusOr<EvalOutput> Evaluate(VlmModel& model, const EvalInputs& inputs) {
    return absl::UnimplementedError("this evaluator cannot run yet");
  }
};

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_PLUGIN_API_PIPELINE_PLUGINS_H_
