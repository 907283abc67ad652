// TextVQA and DocVQA readers: the two benchmarks' annotation files ({"data": [...]}, one record
// per question) and their images. OK-VQA uses the VQAv2 format (vqav2.h).
//
//   TextVqaOptions t{.annotations = "TextVQA_0.5.1_val.json", .image_dir = "train_images"};
//   VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<IndexedSource> s, CreateTextVqaSource(t));
//   DocVqaOptions d{.annotations = "val/val_v1.0_withQT.json", .image_root = "val"};
//   VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<IndexedSource> s, CreateDocVqaSource(d));
//
// TextVQA record: question_id (int), question, image_id (a string; the image is
// {image_dir}/{image_id}.jpg, else .png), answers (ten strings; absent in the test split).
// Sample: key = question_id, task "vqa", vqa = {question_id, question, answers, answer_type
// "", question_type "text"}, meta["image_id"] = image_id, the assistant turn the most common
// answer. Scored with vqa_accuracy (TextVQA's official metric is VQA accuracy).
//
// DocVQA record: questionId (int), question, image (a path relative to image_root, e.g.
// "documents/pybv0228_81.png"), answers (any number of strings; absent in the test split),
// question_types (optional list). Sample: key = questionId, task "docvqa", vqa =
// {question_id, question, answers, question_type = the types joined by "/"}, meta["doc_id"]
// from docId, the assistant turn the first answer. Scored with anls.
//
// Both: a record without an integer id, a string question and an image reference is skipped
// (counted) or, when `strict`, an error naming the file and the record; a missing or corrupt
// image is an error when the sample is read, naming the question.
#ifndef VLMLAB_PLATFORM_DATA_TEXT_DOC_VQA_H_
#define VLMLAB_PLATFORM_DATA_TEXT_DOC_VQA_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "platform/data/sample_source.h"

namespace vlmlab::data {

struct TextVqaOptions {
  std::string annotations;
  std::string image_dir;
  bool shuffle = false;
  uint64_t seed = 0;
  bool strict = false;
  int image_channels = 3;
};

struct DocVqaOptions {
  std::string annotations;
  std::string image_root;  // the directory the records' "image" paths are relative to
  bool shuffle = false;
  uint64_t seed = 0;
  bool strict = false;
  int image_channels = 3;
};

absl::StatusOr<std::unique_ptr<IndexedSource>> CreateTextVqaSource(const TextVqaOptions& options);
absl::StatusOr<std::unique_ptr<IndexedSource>> CreateDocVqaSource(const DocVqaOptions& options);

}  // namespace vlmlab::data

#endif  // VLMLAB_PLATFORM_DATA_TEXT_DOC_VQA_H_
