// SynthConfig: what the synthetic world generates, mirroring SyntheticWorldOptions in
// platform/spec/datasets.proto (tasks, split, image_size, num_images, max_objects,
// world_seed), plus an optional task mix.
//
//   SynthConfig config;
//   config.tasks = ParseSynthTasks("vqa,caption").value();
//   config.split = SynthSplit::kVal;
//   VLMLAB_RETURN_IF_ERROR(ValidateSynthConfig(config));
#ifndef VLMLAB_PLATFORM_DATA_SYNTH_SYNTH_CONFIG_H_
#define VLMLAB_PLATFORM_DATA_SYNTH_SYNTH_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "platform/spec/datasets.pb.h"

namespace vlmlab {

// Same numbering as SyntheticWorldOptions::Task.
enum class SynthTask {
  kCaption = 0,       // dense "synthetic" caption
  kAltText = 1,       // short partial caption
  kVqa = 2,           // VQAv2-style question, ten answers
  kOcr = 3,           // question about rendered text (documents, charts)
  kMcq = 4,           // multiple choice with lettered options
  kConversation = 5,  // multi-turn chat
  kPreference = 6,    // grounded (chosen) vs hallucinated (rejected) answer
  kInterleaved = 7,   // text, image, text, image ...
};
inline constexpr int kNumSynthTasks = 8;

enum class SynthSplit { kTrain = 0, kVal = 1, kTest = 2 };

struct SynthConfig {
  std::vector<SynthTask> tasks = {SynthTask::kCaption};
  // Relative weight of each entry of `tasks`; empty means equal weights. (Listing a task
  // twice in `tasks` doubles its share too.)
  std::vector<double> task_weights;
  SynthSplit split = SynthSplit::kTrain;
  int image_size = 64;
  int64_t num_images = 10000;
  int max_objects = 4;
  uint64_t world_seed = 0;
  bool scenes_only = false;  // every image a shape scene (tasks that need text still get theirs)
};

// Checks ranges (image_size 8-4096, max_objects 1-32, num_images >= 1, tasks non-empty,
// weights matching tasks and positive); messages name the field and the fix.
absl::Status ValidateSynthConfig(const SynthConfig& config);
absl::StatusOr<SynthConfig> SynthConfigFromOptions(const SyntheticWorldOptions& options);

// "caption" "alt_text" "vqa" "ocr" "mcq" "conversation" "preference" "interleaved".
absl::string_view SynthTaskName(SynthTask task);
absl::StatusOr<SynthTask> ParseSynthTask(absl::string_view name);
// A comma-separated list, e.g. "vqa,caption".
absl::StatusOr<std::vector<SynthTask>> ParseSynthTasks(absl::string_view names);

// "train" "val" "test".
absl::string_view SynthSplitName(SynthSplit split);
absl::StatusOr<SynthSplit> ParseSynthSplit(absl::string_view name);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_DATA_SYNTH_SYNTH_CONFIG_H_
