// Writes a split of the synthetic world to disk: WebDataset shards and, on request, COCO
// captions and VQAv2 JSON with an image directory (what `vlmlab data synth` runs). Samples are
// generated on several threads and written in index order, so the output is byte-identical
// whatever the thread count.
//
//   SynthWriteOptions w;
//   w.dir = "/data/synth/val";
//   w.formats = {"webdataset", "coco", "vqav2"};
//   VLMLAB_ASSIGN_OR_RETURN(SynthWriteReport report, WriteSynthDataset(config, w));
#ifndef VLMLAB_PLATFORM_DATA_SYNTH_WRITE_DATASET_H_
#define VLMLAB_PLATFORM_DATA_SYNTH_WRITE_DATASET_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/data/synth/synth_config.h"

namespace vlmlab {

struct SynthWriteOptions {
  std::string dir;
  // Any of "webdataset", "coco", "vqav2".
  std::vector<std::string> formats = {"webdataset"};
  int64_t shard_size = 1000;
  std::string image_format = "png";  // shards only; the eval image directory is always PNG
  int threads = 0;                   // 0: the hardware's
  // Called after each sample is written, with (samples written, num_images). Unset: nothing.
  std::function<void(int64_t done, int64_t total)> on_progress;
};

struct SynthWriteReport {
  int64_t samples = 0;
  std::vector<std::string> shards;
  std::string coco_captions;  // paths, when written
  std::string vqav2_questions;
  std::string vqav2_annotations;
  std::string image_dir;
};

absl::StatusOr<SynthWriteReport> WriteSynthDataset(const SynthConfig& config,
                                                   const SynthWriteOptions& options);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_DATA_SYNTH_WRITE_DATASET_H_
