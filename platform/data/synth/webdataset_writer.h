// Writers of datasets on disk: WebDataset tar shards (docs/data.md, "WebDataset sample JSON")
// and, for evaluation splits, COCO captions and VQAv2 questions/annotations JSON with an image
// directory, in the official field layouts the readers in platform/data parse.
//
//   WebDatasetWriter shards({.dir = "out", .prefix = "val", .shard_size = 1000});
//   VLMLAB_RETURN_IF_ERROR(shards.Write(sample));   // 000000123.png + 000000123.json
//   VLMLAB_RETURN_IF_ERROR(shards.Close());         // val-000000.tar, val-000001.tar, ...
//
//   EvalJsonWriter eval({.dir = "out", .split = "val"});
//   VLMLAB_RETURN_IF_ERROR(eval.Add(sample));       // images/100000123.png
//   VLMLAB_RETURN_IF_ERROR(eval.Close());           // captions_val.json, v2_*_val_*.json
#ifndef VLMLAB_PLATFORM_DATA_SYNTH_WEBDATASET_WRITER_H_
#define VLMLAB_PLATFORM_DATA_SYNTH_WEBDATASET_WRITER_H_

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "platform/data/sample.h"
#include "platform/data/synth/tar_writer.h"

namespace vlmlab {

// The per-sample JSON, with `image_exts` naming the image members ("png" or "0.png", ...).
nlohmann::json SampleToJson(const Sample& sample, const std::vector<std::string>& image_exts);
// The tar key of a sample: its key after the last '/', with '.' replaced by '_'.
std::string TarKey(const Sample& sample);

struct WebDatasetWriterOptions {
  std::string dir;                   // created if missing
  std::string prefix = "data";       // shards are {prefix}-{shard:06d}.tar
  int64_t shard_size = 1000;         // samples per shard
  std::string image_format = "png";  // "png" or "jpg"
  int jpeg_quality = 90;
};

class WebDatasetWriter {
 public:
  explicit WebDatasetWriter(WebDatasetWriterOptions options);
  absl::Status Write(const Sample& sample);
  absl::Status Close();
  const std::vector<std::string>& shard_paths() const { return shards_; }
  int64_t samples_written() const { return written_; }

 private:
  WebDatasetWriterOptions options_;
  std::unique_ptr<TarWriter> tar_;
  std::vector<std::string> shards_;
  int64_t written_ = 0;
};

struct EvalJsonWriterOptions {
  std::string dir;            // created if missing; images go to dir/images
  std::string split = "val";  // names the files and the VQAv2 data_subtype
  bool coco_captions = true;  // captions_{split}.json
  bool vqav2 =
      true;  // v2_OpenEnded_synth_{split}_questions.json, v2_synth_{split}_annotations.json
};

// Collects one-image samples: captions into COCO captions, VQA annotations into VQAv2 files;
// each image is written once as images/{image_id}.png. Multi-image samples are skipped.
class EvalJsonWriter {
 public:
  explicit EvalJsonWriter(EvalJsonWriterOptions options);
  absl::Status Add(const Sample& sample);
  absl::Status Close();
  std::string CaptionsPath() const;
  std::string QuestionsPath() const;
  std::string AnnotationsPath() const;
  std::string ImageDir() const;

 private:
  EvalJsonWriterOptions options_;
  std::set<int64_t> images_written_;
  nlohmann::json coco_images_ = nlohmann::json::array();
  nlohmann::json coco_annotations_ = nlohmann::json::array();
  nlohmann::json questions_ = nlohmann::json::array();
  nlohmann::json annotations_ = nlohmann::json::array();
  bool dir_ready_ = false;
};

// Creates `dir` and its parents.
absl::Status MakeDirs(const std::string& dir);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_DATA_SYNTH_WEBDATASET_WRITER_H_
