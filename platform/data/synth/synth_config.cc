#include "platform/data/synth/synth_config.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace vlmlab {
namespace {

constexpr absl::string_view kTaskNames[kNumSynthTasks] = {
    "caption", "alt_text", "vqa", "ocr", "mcq", "conversation", "preference", "interleaved"};
constexpr absl::string_view kSplitNames[3] = {"train", "val", "test"};

}  // namespace

absl::string_view SynthTaskName(SynthTask task) { return kTaskNames[static_cast<int>(task)]; }

absl::StatusOr<SynthTask> ParseSynthTask(absl::string_view name) {
  std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
  for (int i = 0; i < kNumSynthTasks; ++i) {
    if (lower == kTaskNames[i]) return static_cast<SynthTask>(i);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown synthetic task '", name, "'; choose from ", absl::StrJoin(kTaskNames, ", ")));
}

absl::StatusOr<std::vector<SynthTask>> ParseSynthTasks(absl::string_view names) {
  std::vector<SynthTask> tasks;
  for (absl::string_view name : absl::StrSplit(names, ',', absl::SkipWhitespace())) {
    absl::StatusOr<SynthTask> task = ParseSynthTask(name);
    if (!task.ok()) return task.status();
    tasks.push_back(*task);
  }
  if (tasks.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no synthetic tasks given; list at least one of ", absl::StrJoin(kTaskNames, ", ")));
  }
  return tasks;
}

absl::string_view SynthSplitName(SynthSplit split) { return kSplitNames[static_cast<int>(split)]; }

absl::StatusOr<SynthSplit> ParseSynthSplit(absl::string_view name) {
  std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
  for (int i = 0; i < 3; ++i) {
    if (lower == kSplitNames[i]) return static_cast<SynthSplit>(i);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown split '", name, "'; choose train, val or test"));
}

absl::Status ValidateSynthConfig(const SynthConfig& config) {
  if (config.tasks.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "synthetic world: tasks is empty; list at least one of ", absl::StrJoin(kTaskNames, ", ")));
  }
  for (SynthTask task : config.tasks) {
    int t = static_cast<int>(task);
    if (t < 0 || t >= kNumSynthTasks) {
      return absl::InvalidArgumentError(absl::StrCat("synthetic world: unknown task number ", t));
    }
  }
  if (!config.task_weights.empty()) {
    if (config.task_weights.size() != config.tasks.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "synthetic world: task_weights has ", config.task_weights.size(),
          " entries but tasks has ", config.tasks.size(), "; give one weight per task"));
    }
    for (double w : config.task_weights) {
      if (!(w > 0) || !std::isfinite(w)) {
        return absl::InvalidArgumentError(
            absl::StrCat("synthetic world: task weight ", w, " must be positive and finite"));
      }
    }
  }
  int split = static_cast<int>(config.split);
  if (split < 0 || split > 2) {
    return absl::InvalidArgumentError(absl::StrCat("synthetic world: unknown split ", split));
  }
  if (config.image_size < 8 || config.image_size > 4096) {
    return absl::InvalidArgumentError(
        absl::StrCat("synthetic world: image_size ", config.image_size, " is outside 8..4096"));
  }
  if (config.num_images < 1 || config.num_images >= 100000000) {
    return absl::InvalidArgumentError(
        absl::StrCat("synthetic world: num_images ", config.num_images, " is outside 1..99999999"));
  }
  if (config.max_objects < 1 || config.max_objects > 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("synthetic world: max_objects ", config.max_objects, " is outside 1..32"));
  }
  return absl::OkStatus();
}

absl::StatusOr<SynthConfig> SynthConfigFromOptions(const SyntheticWorldOptions& options) {
  SynthConfig config;
  config.tasks.clear();
  for (int t : options.tasks()) config.tasks.push_back(static_cast<SynthTask>(t));
  config.split = static_cast<SynthSplit>(options.split());
  config.image_size = options.image_size();
  config.num_images = options.num_images();
  config.max_objects = options.max_objects();
  config.world_seed = options.world_seed();
  config.scenes_only = options.scenes_only();
  absl::Status valid = ValidateSynthConfig(config);
  if (!valid.ok()) return valid;
  return config;
}

}  // namespace vlmlab
