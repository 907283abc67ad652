// Questions about world images with their answers, in VQAv2 style: every question a scene,
// document or chart supports unambiguously (a colour question only names an object that is
// unique by its description, spatial questions only compare objects in different columns or
// rows), ten annotator answers with realistic but harmless noise, and plausible wrong answers
// for multiple choice and preference pairs.
//
//   std::vector<SynthQuestion> qs = ImageQuestions(world, &rng);
//   std::vector<std::string> ten = AnnotatorAnswers(qs[0], &rng);
#ifndef VLMLAB_PLATFORM_DATA_SYNTH_QUESTIONS_H_
#define VLMLAB_PLATFORM_DATA_SYNTH_QUESTIONS_H_

#include <string>
#include <vector>

#include "platform/data/synth/synth_random.h"
#include "platform/data/synth/world.h"

namespace vlmlab {

struct SynthQuestion {
  std::string question;
  std::string answer;         // the canonical (majority) answer
  std::string answer_type;    // "yes/no", "number", "other"
  std::string question_type;  // "count" "color" "shape" "size" "spatial" "exists" "ocr" "chart"
  std::vector<std::string> distractors;  // wrong but plausible answers, at least one
};

// Every question the image supports, grouped by question type in a fixed order; at most a few
// per type. Existence questions ask about absent objects as often as present ones.
std::vector<SynthQuestion> ImageQuestions(const WorldImage& world, SynthRng* rng);

// Picks a question: a question type uniformly, then a question of that type.
const SynthQuestion& PickQuestion(const std::vector<SynthQuestion>& questions, SynthRng* rng);

// Ten answers: mostly the canonical answer, some surface variants that VQA answer
// normalisation maps back to it ("two" for "2", "Yes" for "yes"; at most three), and at most
// one dissenting annotator, so the canonical answer is always the most common string.
std::vector<std::string> AnnotatorAnswers(const SynthQuestion& question, SynthRng* rng);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_DATA_SYNTH_QUESTIONS_H_
