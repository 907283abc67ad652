#include "platform/data/synth/write_dataset.h"

#include <algorithm>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/base/status_macros.h"
#include "platform/data/synth/generator.h"
#include "platform/data/synth/webdataset_writer.h"

namespace vlmlab {

absl::StatusOr<SynthWriteReport> WriteSynthDataset(const SynthConfig& config,
                                                   const SynthWriteOptions& options) {
  VLMLAB_RETURN_IF_ERROR(ValidateSynthConfig(config));
  if (options.dir.empty()) return absl::InvalidArgumentError("no output directory given (--out)");
  bool webdataset = false, coco = false, vqav2 = false;
  for (const std::string& f : options.formats) {
    if (f == "webdataset") {
      webdataset = true;
    } else if (f == "coco") {
      coco = true;
    } else if (f == "vqav2") {
      vqav2 = true;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown output format '", f, "'; choose from webdataset, coco, vqav2"));
    }
  }
  if (!webdataset && !coco && !vqav2) {
    return absl::InvalidArgumentError(
        "no output format given; choose from webdataset, coco, vqav2");
  }
  if (options.shard_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("shard_size must be at least 1, got ", options.shard_size));
  }
  if (options.image_format != "png" && options.image_format != "jpg") {
    return absl::InvalidArgumentError(
        absl::StrCat("image format '", options.image_format, "' is not supported; use png or jpg"));
  }
  const std::string split(SynthSplitName(config.split));
  std::optional<WebDatasetWriter> shards;
  if (webdataset) {
    shards.emplace(
        WebDatasetWriterOptions{options.dir, split, options.shard_size, options.image_format, 90});
  }
  std::optional<EvalJsonWriter> eval;
  if (coco || vqav2) eval.emplace(EvalJsonWriterOptions{options.dir, split, coco, vqav2});

  int threads =
      options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::clamp(threads, 1, 32);
  const int64_t block = 16 * threads;
  std::vector<absl::StatusOr<Sample>> batch;
  SynthWriteReport report;
  for (int64_t start = 0; start < config.num_images; start += block) {
    const int64_t n = std::min(block, config.num_images - start);
    batch.assign(n, absl::UnknownError("not generated"));
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (int64_t i = t; i < n; i += threads) batch[i] = GenerateSample(config, start + i);
      });
    }
    for (std::thread& w : workers) w.join();
    for (absl::StatusOr<Sample>& s : batch) {
      if (!s.ok()) return s.status();
      if (shards) VLMLAB_RETURN_IF_ERROR(shards->Write(*s));
      if (eval) VLMLAB_RETURN_IF_ERROR(eval->Add(*s));
      ++report.samples;
      if (options.on_progress) options.on_progress(report.samples, config.num_images);
    }
  }
  if (shards) {
    VLMLAB_RETURN_IF_ERROR(shards->Close());
    report.shards = shards->shard_paths();
  }
  if (eval) {
    VLMLAB_RETURN_IF_ERROR(eval->Close());
    report.image_dir = eval->ImageDir();
    if (coco) report.coco_captions = eval->CaptionsPath();
    if (vqav2) {
      report.vqav2_questions = eval->QuestionsPath();
      report.vqav2_annotations = eval->AnnotationsPath();
    }
  }
  return report;
}

}  // namespace vlmlab
