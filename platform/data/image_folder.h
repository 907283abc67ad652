// Image folder + JSONL reader: a directory of images and a file with one JSON record per line,
// in the WebDataset sample schema (docs/data.md) with "images" holding paths relative to the
// directory, or the shorthands of hand-written data:
//
//   {"image": "cats/1.png", "caption": "a cat on a mat"}
//   {"image": "q/7.jpg", "question": "What colour is the cat?", "answer": "black"}
//   {"images": ["a.png", "b.png"], "turns": [{"role": "user", "text": "<image><image>Same?"},
//                                              {"role": "assistant", "text": "no"}]}
//
//   ImageFolderOptions o{.dir = "data/pets", .jsonl = "data/pets/train.jsonl"};
//   VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<IndexedSource> pets, CreateImageFolderSource(o));
//
// Records without "key" get "{jsonl file name}:{line}". Blank lines are ignored; an invalid
// line (bad JSON, missing fields, an absolute image path or one with "..") is skipped with a
// counted warning naming file:line, or is an error when `strict`.
#ifndef VLMLAB_PLATFORM_DATA_IMAGE_FOLDER_H_
#define VLMLAB_PLATFORM_DATA_IMAGE_FOLDER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/data/sample_source.h"

namespace vlmlab::data {

struct ImageFolderOptions {
  std::string dir;
  std::string jsonl;
  bool shuffle = false;
  uint64_t seed = 0;
  bool strict = false;
  int image_channels = 3;
};

struct ImageFolderRecord {
  Sample sample;                    // without images
  std::vector<std::string> images;  // paths relative to dir
  int64_t line = 0;                 // 1-based
};

absl::StatusOr<std::vector<ImageFolderRecord>> LoadImageFolderJsonl(
    const ImageFolderOptions& options, int64_t* skipped);

absl::StatusOr<std::unique_ptr<IndexedSource>> CreateImageFolderSource(
    const ImageFolderOptions& options);

}  // namespace vlmlab::data

#endif  // VLMLAB_PLATFORM_DATA_IMAGE_FOLDER_H_
