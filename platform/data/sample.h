// Sample: one training or evaluation example as every reader produces it and every stage,
// evaluator and batcher consumes it, whatever the source format (synthetic world,
// WebDataset shard, COCO captions, VQAv2, image folder + JSONL).
//
// The model-facing content is a conversation: `turns` whose text may contain the image
// placeholder `kImagePlaceholder` once per image, in the order of `images`. A caption pair is
// one user turn "<image>" and one assistant turn with the caption; a VQA example is
// "<image>Question? " / "answer". Task annotations that evaluators need (all human answers,
// answer types, options) sit beside it, so scoring never re-parses the source.
//
//   Sample s;
//   s.key = "val/000123";
//   s.images.push_back(DecodeImage(png).value());
//   s.turns = {{Turn::kUser, "<image>How many circles are there?"}, {Turn::kAssistant, "3"}};
//   s.vqa = VqaAnnotation{.question_id = 123, .question = "How many circles are there?",
//                         .answers = {"3", "3", "three", ...}, .answer_type = "number"};
#ifndef VLMLAB_PLATFORM_DATA_SAMPLE_H_
#define VLMLAB_PLATFORM_DATA_SAMPLE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "platform/image/image.h"

namespace vlmlab {

// Marks where an image goes in turn text; the chat template expands it into the fusion
// style's layout (placeholder tokens, optional delimiters).
inline constexpr char kImagePlaceholder[] = "<image>";

struct Turn {
  enum Role { kUser, kAssistant };
  Role role = kUser;
  std::string text;
};

struct VqaAnnotation {
  int64_t question_id = 0;
  std::string question;
  std::vector<std::string> answers;  // the human answers (ten in VQAv2)
  std::string answer_type;           // VQAv2: "yes/no", "number", "other"
  std::string question_type;         // finer: "count", "color", "shape", "spatial", "ocr", ...
};

struct ChoiceAnnotation {
  std::string question;
  std::vector<std::string> options;  // shown as "A. ...", "B. ..."
  int correct = -1;                  // index into options
};

struct PreferenceAnnotation {
  std::string prompt;    // the user turn (with the image placeholder)
  std::string chosen;    // grounded answer
  std::string rejected;  // hallucinated answer
};

struct Sample {
  std::string key;     // unique within its source, e.g. "train/000123"
  std::string source;  // where it came from, for messages: shard path or file
  int64_t image_id = -1;
  std::vector<Image> images;
  std::vector<Turn> turns;
  std::string task;                   // "caption", "alt_text", "vqa", "ocr", "mcq", ...
  std::vector<std::string> captions;  // reference captions (COCO: five per image)
  std::optional<VqaAnnotation> vqa;
  std::optional<ChoiceAnnotation> choice;
  std::optional<PreferenceAnnotation> preference;
  std::map<std::string, std::string> meta;  // anything else a source carries
};

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_DATA_SAMPLE_H_
