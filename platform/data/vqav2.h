// VQAv2 reader: the questions JSON ("questions": image_id, question, question_id; and
// "data_subtype", e.g. "val2014"), the optional annotations JSON ("annotations": question_id,
// answers[].answer, multiple_choice_answer, answer_type, question_type) and the image directory.
//
//   Vqav2Options o{.questions = "v2_OpenEnded_mscoco_val2014_questions.json",
//                  .annotations = "v2_mscoco_val2014_annotations.json", .image_dir = "val2014"};
//   VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<IndexedSource> vqa, CreateVqav2Source(o));
//   // Get(i): turns {user "<image>" + question, assistant = most common of the ten answers},
//   // vqa = {question_id, question, answers, answer_type, question_type}
//
// Images are found as COCO names them, {image_dir}/COCO_{data_subtype}_{id:012d}.jpg, else
// {id}.png, {id}.jpg or {id:012d}.jpg (the first that exists). Without annotations (a test
// split) samples have only the user turn. A question the annotations lack is skipped (counted)
// or, when `strict`, an error, like any malformed record.
#ifndef VLMLAB_PLATFORM_DATA_VQAV2_H_
#define VLMLAB_PLATFORM_DATA_VQAV2_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/data/sample_source.h"

namespace vlmlab::data {

struct Vqav2Options {
  std::string questions;
  std::string annotations;  // optional
  std::string image_dir;
  // COCO image-name split ("val2014"); empty takes the questions file's "data_subtype".
  std::string coco_split;
  bool shuffle = false;
  uint64_t seed = 0;
  bool strict = false;
  int image_channels = 3;
};

struct VqaEntry {
  int64_t image_id = -1;
  VqaAnnotation vqa;
  std::string answer;  // the assistant turn ("" without annotations)
};

struct Vqav2Index {
  std::vector<VqaEntry> entries;  // in the questions file's order
  std::string coco_split;         // from the options or the file's data_subtype
  int64_t skipped = 0;
};

absl::StatusOr<Vqav2Index> LoadVqav2(const Vqav2Options& options);

// The image file names tried for `image_id`, in order.
std::vector<std::string> VqaImageCandidates(const std::string& coco_split, int64_t image_id);

absl::StatusOr<std::unique_ptr<IndexedSource>> CreateVqav2Source(const Vqav2Options& options);

}  // namespace vlmlab::data

#endif  // VLMLAB_PLATFORM_DATA_VQAV2_H_
