// The synthetic world's sample generator: random access, deterministic, CPU-cheap. Sample i of
// a split depends only on (world_seed, split, i) and the options, so a data position is just
// an index and resuming is exact; the same config gives byte-identical samples on every run.
// Splits share no images (see world_image.h) and therefore no (image, question) pairs.
//
//   SynthConfig config;
//   config.tasks = {SynthTask::kVqa, SynthTask::kCaption};
//   config.split = SynthSplit::kVal;
//   absl::StatusOr<Sample> s = GenerateSample(config, 123);
//   // s->key "val/000000123", s->turns {"<image>How many circles are there?", "2"}, s->vqa...
#ifndef VLMLAB_PLATFORM_DATA_SYNTH_GENERATOR_H_
#define VLMLAB_PLATFORM_DATA_SYNTH_GENERATOR_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "platform/data/sample.h"
#include "platform/data/synth/synth_config.h"

namespace vlmlab {

// Image ids differ between splits: index + 100000000 * split.
int64_t SynthImageId(const SynthConfig& config, int64_t index);
// "val/000000123".
std::string SynthSampleKey(const SynthConfig& config, int64_t index);
// The task sample `index` carries, drawn from config.tasks by the task mix.
SynthTask TaskForIndex(const SynthConfig& config, int64_t index);

// Fails on an invalid config or index outside [0, num_images), naming which.
absl::StatusOr<Sample> GenerateSample(const SynthConfig& config, int64_t index);

// The user prompt of multiple-choice samples, after the question and the lettered options.
inline constexpr char kChoiceInstruction[] = "Answer with the option's letter.";

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_DATA_SYNTH_GENERATOR_H_
