// Reading COCO caption files: annotations {"images": [{id, ...}], "annotations": [{image_id,
// id, caption}]} and results [{image_id, caption}]. The images evaluated are those with at
// least one reference caption, in order of first appearance; "images" is optional, but when
// present every annotation's image_id must be listed in it.
//
//   VLMLAB_ASSIGN_OR_RETURN(CaptionReferences refs, ReadCocoCaptions("captions_val2014.json"));
//   VLMLAB_ASSIGN_OR_RETURN(auto results, ReadCaptionResults("results.json"));
#ifndef VLMLAB_PLATFORM_METRICS_CAPTION_FILES_H_
#define VLMLAB_PLATFORM_METRICS_CAPTION_FILES_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace vlmlab::metrics {

struct CaptionReferences {
  std::vector<std::string> image_ids;                        // evaluation order
  std::map<std::string, std::vector<std::string>> captions;  // image id -> reference captions
};

absl::StatusOr<CaptionReferences> ReadCocoCaptions(const std::string& path);

// image id -> candidate caption; a second caption for an image is an error.
absl::StatusOr<std::map<std::string, std::string>> ReadCaptionResults(const std::string& path);

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_CAPTION_FILES_H_
