// Sample out-of-tree plugins of the three pipeline kinds, built from the plugin SDK with no
// Bazel (docs/plugins.md; //platform/sdk:sdk_plugin_test builds and runs them exactly so):
//
//   tar -xf vlmlab_plugin_sdk.tar -C sdk
//   g++ -shared $(PKG_CONFIG_PATH=sdk/lib/pkgconfig pkg-config --cflags vlmlab-plugin) \
//       sdk_sample_plugins.cc -o libsdk_sample_plugins.so
//   vlmlab run my_experiment.textproto --plugin_lib=libsdk_sample_plugins.so
//
// - dataset `solid_colours`: 48 x 48 images, each one solid colour of `kColours`, captioned
//   with the colour's name (a sample never needs a file). Options: none (google.protobuf.Empty).
// - stage `caption_lm`: next-token loss on the captions (through ToModelInputs and
//   VlmModel::Loss), with the caption's mean length logged as a stage metric.
// - evaluator `colour_choice`: scores each colour name as the reply to the sample's prompt and
//   counts the sample right when its own colour is the most likely; accuracy with a bootstrap
//   interval, plus the mean log-probability of the right name.
// In an experiment:
//   components { dataset { external { name: "solid_colours"
//     options { [type.googleapis.com/google.protobuf.Empty] {} } } } }
//   stages { name: "s" external { name: "caption_lm" options { [...Empty] {} } } ... }
//   evaluators { name: "colours" external { name: "colour_choice" options { [...Empty] {} } }
//     data: "val" }
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/empty.pb.h"
#include "nlohmann/json.hpp"
#include "platform/base/status_macros.h"
#include "platform/data/batch.h"
#include "platform/data/sample.h"
#include "platform/data/sample_source.h"
#include "platform/eval/eval_batches.h"
#include "platform/eval/metric_intervals.h"
#include "platform/model/model_inputs.h"
#include "platform/model/vlm_model.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/plugin_api/plugin_abi.h"
#include "platform/plugin_api/registry.h"

namespace {

using google::protobuf::Empty;

struct Colour {
  const char* name;
  uint8_t rgb[3];
};
constexpr Colour kColours[] = {
    {"red", {220, 30, 30}}, {"green", {30, 180, 40}}, {"blue", {30, 60, 220}}};
constexpr int kNumColours = 3;
constexpr int64_t kSamples = 96;

class SolidColours : public vlmlab::Dataset {
 public:
  absl::Status Open(const vlmlab::DatasetOpenOptions& options,
                    std::unique_ptr<vlmlab::data::SampleSource>* source) const override {
    auto get = [](int64_t i) -> absl::StatusOr<vlmlab::Sample> {
      const Colour& c = kColours[i % kNumColours];
      vlmlab::Sample s;
      s.key = absl::StrCat("solid/", i);
      s.task = "caption";
      vlmlab::Image image(48, 48, 3);
      for (int y = 0; y < 48; ++y) {
        for (int x = 0; x < 48; ++x) {
          for (int k = 0; k < 3; ++k) image.at(x, y)[k] = c.rgb[k];
        }
      }
      s.images.push_back(std::move(image));
      s.turns = {{vlmlab::Turn::kUser, vlmlab::kImagePlaceholder},
                 {vlmlab::Turn::kAssistant, c.name}};
      s.captions = {c.name};
      return s;
    };
    *source = std::make_unique<vlmlab::data::IndexedSource>("solid_colours", kSamples, get,
                                                            options.shuffle, options.seed);
    return absl::OkStatus();
  }
};

class CaptionLm : public vlmlab::Stage {
 public:
  absl::StatusOr<vlmlab::StageLoss> Loss(vlmlab::VlmModel& model,
                                         const vlmlab::data::Batch& batch) override {
    vlmlab::StageLoss out;
    VLMLAB_ASSIGN_OR_RETURN(out.loss, model.Loss(vlmlab::ToModelInputs(batch)));
    out.samples = batch.size();
    const vlmlab::Tensor labels = batch.labels.Contiguous();  // i32 [B, T], -1 = not a target
    int64_t targets = 0;
    for (int64_t i = 0; i < labels.numel(); ++i) targets += labels.data<int32_t>()[i] >= 0;
    out.metrics["caption_lm/targets_per_sample"] =
        batch.size() > 0 ? static_cast<double>(targets) / batch.size() : 0.0;
    return out;
  }
};

class ColourChoice : public vlmlab::Evaluator {
 public:
  vlmlab::EvaluatorSettingsUsed SettingsUsed() const override {
    vlmlab::EvaluatorSettingsUsed used;
    used.generation = false;  // scores likelihoods, generates nothing
    used.shots = false;
    used.baseline_data = false;
    return used;
  }

  absl::StatusOr<vlmlab::EvalOutput> Evaluate(vlmlab::VlmModel& model,
                                              const vlmlab::EvalInputs& in) override {
    const vlmlab::EvaluatorSpec& spec = *in.spec;
    VLMLAB_ASSIGN_OR_RETURN(std::vector<vlmlab::Sample> samples,
                            vlmlab::eval::CollectSamples(*in.samples, spec.max_examples()));
    std::vector<std::string> prompts(samples.size(), vlmlab::kImagePlaceholder);
    std::vector<std::string> names;
    for (const Colour& c : kColours) names.push_back(c.name);
    std::vector<std::vector<std::string>> candidates(samples.size(), names);
    VLMLAB_ASSIGN_OR_RETURN(
        std::vector<std::vector<double>> logp,
        vlmlab::eval::ScoreReplies(model, samples, prompts, candidates, spec.batch_size(),
                                   /*per_token=*/false));
    vlmlab::EvalOutput out;
    std::vector<double> right, right_logp;
    for (size_t i = 0; i < samples.size(); ++i) {
      const std::string truth = samples[i].captions.empty() ? "" : samples[i].captions[0];
      size_t best = 0, truth_index = 0;
      for (size_t j = 0; j < names.size(); ++j) {
        if (logp[i][j] > logp[i][best]) best = j;
        if (names[j] == truth) truth_index = j;
      }
      right.push_back(best == truth_index ? 1.0 : 0.0);
      right_logp.push_back(logp[i][truth_index]);
      out.predictions_json.push_back(nlohmann::json{{"key", samples[i].key},
                                                    {"references", {truth}},
                                                    {"prediction", names[best]},
                                                    {"score", right.back()}}
                                         .dump());
    }
    const vlmlab::metrics::BootstrapOptions b = vlmlab::BootstrapFor(spec, in.seed);
    out.metrics["overall"] = vlmlab::MeanWithCi(right, b);
    out.metrics["logp_right"] = vlmlab::MeanWithCi(right_logp, b);
    out.scores = right;
    return out;
  }
};

absl::Status RegisterSamples(vlmlab::PluginRegistries& registries) {
  using vlmlab::BuildContext;
  VLMLAB_RETURN_IF_ERROR((vlmlab::AddPlugin<vlmlab::Dataset, Empty>(
      registries, "solid_colours", "Sample SDK dataset: solid-colour images and their names",
      [](const Empty&, const BuildContext&) -> absl::StatusOr<std::unique_ptr<vlmlab::Dataset>> {
        return std::make_unique<SolidColours>();
      })));
  VLMLAB_RETURN_IF_ERROR((vlmlab::AddPlugin<vlmlab::Stage, Empty>(
      registries, "caption_lm", "Sample SDK stage: next-token loss on captions",
      [](const Empty&, const BuildContext&) -> absl::StatusOr<std::unique_ptr<vlmlab::Stage>> {
        return std::make_unique<CaptionLm>();
      })));
  return vlmlab::AddPlugin<vlmlab::Evaluator, Empty>(
      registries, "colour_choice", "Sample SDK evaluator: the likeliest colour name, right or not",
      [](const Empty&, const BuildContext&) -> absl::StatusOr<std::unique_ptr<vlmlab::Evaluator>> {
        return std::make_unique<ColourChoice>();
      });
}

}  // namespace

VLMLAB_DEFINE_PLUGIN("sdk_sample_plugins", RegisterSamples)
