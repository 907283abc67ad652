// COCO captions reader: captions_{split}2014.json ("images" with id and file_name,
// "annotations" with image_id and caption) and the directory holding the images.
//
//   CocoCaptionsOptions o{.annotations = "captions_val2014.json", .image_dir = "val2014"};
//   VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<IndexedSource> coco, CreateCocoCaptionsSource(o));
//   absl::StatusOr<Sample> s = coco->Get(0);
//   // s->turns == {{kUser, "<image>"}, {kAssistant, first caption}}, s->captions: all of them
//
// One sample per image (evaluation: every caption is a reference), or with `per_caption` one
// per caption (training pairs; the assistant turn is that caption). Images without captions
// are left out. Malformed records are skipped with a counted warning (stats().skipped), or
// are an error when `strict`. Images are read and decoded by the tasks, on worker threads.
#ifndef VLMLAB_PLATFORM_DATA_COCO_CAPTIONS_H_
#define VLMLAB_PLATFORM_DATA_COCO_CAPTIONS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/data/sample_source.h"

namespace vlmlab::data {

struct CocoCaptionsOptions {
  std::string annotations;  // captions_*.json
  std::string image_dir;
  bool per_caption = false;
  bool shuffle = false;
  uint64_t seed = 0;
  bool strict = false;
  int image_channels = 3;
};

struct CocoImageEntry {
  int64_t id = -1;
  std::string file_name;
  std::vector<std::string> captions;  // in annotation order
};

// The images with their captions, in the order of the JSON's "images" list.
absl::StatusOr<std::vector<CocoImageEntry>> LoadCocoCaptions(const std::string& path, bool strict,
                                                             int64_t* skipped);

absl::StatusOr<std::unique_ptr<IndexedSource>> CreateCocoCaptionsSource(
    const CocoCaptionsOptions& options);

}  // namespace vlmlab::data

#endif  // VLMLAB_PLATFORM_DATA_COCO_CAPTIONS_H_
