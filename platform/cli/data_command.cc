// `vlmlab data synth`: writes a split of the synthetic world to disk.
//
//   vlmlab data synth --out DIR --split val --num_images N --image_size S \
//       --tasks vqa,caption --seed K [--shard_size 1000] [--max_objects 4] \
//       [--formats webdataset,coco,vqav2] [--image_format png]
#include <unistd.h>

#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "platform/cli/commands.h"
#include "platform/data/synth/synth_config.h"
#include "platform/data/synth/write_dataset.h"
#include "platform/runner/progress.h"

// `out` and `seed` are shared with other commands (report, score), which declare them.
ABSL_FLAG(std::string, out, "", "Output: the directory of `data synth`, the file of `report`");
ABSL_FLAG(std::string, split, "train", "data synth: train, val or test");
ABSL_FLAG(int64_t, num_images, 1000, "data synth: samples (images) to write");
ABSL_FLAG(int32_t, image_size, 64, "data synth: image side in pixels");
ABSL_FLAG(std::string, tasks, "caption",
          "data synth: comma-separated tasks: caption, alt_text, vqa, ocr, mcq, conversation, "
          "preference, interleaved");
ABSL_FLAG(uint64_t, seed, 0, "Seed: the world seed of `data synth`; the bootstrap seed of `score`");
ABSL_FLAG(int64_t, shard_size, 1000, "data synth: samples per WebDataset shard");
ABSL_FLAG(int32_t, max_objects, 4, "data synth: most shapes in one scene (1-32)");
ABSL_FLAG(std::string, formats, "",
          "data synth: any of webdataset, coco, vqav2 (default: webdataset, plus coco and vqav2 "
          "for val and test)");
ABSL_FLAG(std::string, image_format, "png", "data synth: image format in the shards: png or jpg");

namespace vlmlab {
namespace {

constexpr char kDataUsage[] =
    "usage: vlmlab data synth --out DIR [--split train|val|test] [--num_images N] "
    "[--image_size S] [--tasks vqa,caption] [--seed K] [--shard_size N] [--max_objects N] "
    "[--formats webdataset,coco,vqav2] [--image_format png|jpg]";

int RunSynth() {
  if (absl::GetFlag(FLAGS_out).empty()) {
    std::cerr << "vlmlab: error: data synth needs --out DIR\n" << kDataUsage << "\n";
    return 2;
  }
  SynthConfig config;
  absl::StatusOr<SynthSplit> split = ParseSynthSplit(absl::GetFlag(FLAGS_split));
  absl::StatusOr<std::vector<SynthTask>> tasks = ParseSynthTasks(absl::GetFlag(FLAGS_tasks));
  for (const absl::Status& s : {split.status(), tasks.status()}) {
    if (!s.ok()) {
      PrintError(s);
      return 2;
    }
  }
  config.split = *split;
  config.tasks = *tasks;
  config.num_images = absl::GetFlag(FLAGS_num_images);
  config.image_size = absl::GetFlag(FLAGS_image_size);
  config.max_objects = absl::GetFlag(FLAGS_max_objects);
  config.world_seed = absl::GetFlag(FLAGS_seed);
  if (absl::Status valid = ValidateSynthConfig(config); !valid.ok()) {
    PrintError(valid);
    return 2;
  }
  SynthWriteOptions options;
  options.dir = absl::GetFlag(FLAGS_out);
  options.shard_size = absl::GetFlag(FLAGS_shard_size);
  options.image_format = absl::GetFlag(FLAGS_image_format);
  const std::string formats = absl::GetFlag(FLAGS_formats);
  if (formats.empty()) {
    options.formats = {"webdataset"};
    if (config.split != SynthSplit::kTrain) options.formats = {"webdataset", "coco", "vqav2"};
  } else {
    options.formats = absl::StrSplit(formats, ',', absl::SkipWhitespace());
  }
  runner::CountProgress progress(absl::StrCat("synth ", SynthSplitName(config.split)),
                                 config.num_images, "samples", isatty(fileno(stderr)) != 0);
  options.on_progress = [&progress](int64_t done, int64_t) { progress.Update(done); };
  absl::StatusOr<SynthWriteReport> report = WriteSynthDataset(config, options);
  progress.Finish();
  if (!report.ok()) {
    PrintError(report.status());
    return 1;
  }
  std::cout << "wrote " << report->samples << " " << SynthSplitName(config.split) << " samples to "
            << options.dir << "\n";
  if (!report->shards.empty()) {
    std::cout << "  shards: " << report->shards.front();
    if (report->shards.size() > 1) std::cout << " .. " << report->shards.back();
    std::cout << " (" << report->shards.size() << ")\n";
  }
  if (!report->coco_captions.empty())
    std::cout << "  COCO captions: " << report->coco_captions << "\n";
  if (!report->vqav2_questions.empty()) {
    std::cout << "  VQAv2: " << report->vqav2_questions << ", " << report->vqav2_annotations
              << "\n";
  }
  if (!report->image_dir.empty()) std::cout << "  images: " << report->image_dir << "\n";
  return 0;
}

}  // namespace

int RunData(const std::vector<std::string>& args) {
  if (args.size() != 1 || args[0] != "synth") {
    std::cerr << "vlmlab: error: data takes one subcommand: synth\n" << kDataUsage << "\n";
    return 2;
  }
  return RunSynth();
}

}  // namespace vlmlab
