// Size and compute of a VlmModel: parameter counts, visual tokens per image and analytic
// forward / training FLOPs per sample (a multiply-add counts 2), from the plugins' own
// ForwardFlops.
//
//   ModelCosts c = CountCosts(model);          // c.parameters, c.trainable_parameters, ...
//   FlopsBreakdown f = ForwardFlopsPerSample(model, /*text_tokens=*/96, /*images=*/1);
//   Flops train = TrainingFlopsPerSample(model, 96, 1);   // 3 x f.total()
//
// Per sample with `text_tokens` text tokens (image placeholders and delimiters not included)
// and `images` images, with L = layout() (placeholders per image, delimiters):
//   sequence  = text_tokens + images * (L.placeholders + (L.delimiters ? 2 : 0))
//   encoder   = images * Encoder::ForwardFlops()
//   projector = images * Projector::ForwardFlops(encoder output, LLM shape)
//   llm       = Llm::ForwardFlops(sequence)
//   fusion    = Fusion::ForwardFlops(visual tokens, LLM shape, sequence, images)
//   training  = 3 * forward (backward ~ 2x forward). The usual approximation; it ignores that
//               frozen layers skip their weight gradients (and, before every trainable
//               layer, their backward altogether).
#ifndef VLMLAB_PLATFORM_MODEL_COSTS_H_
#define VLMLAB_PLATFORM_MODEL_COSTS_H_

#include <cstdint>
#include <string>

#include "platform/model/vlm_model.h"

namespace vlmlab {

struct ModelCosts {
  int64_t parameters = 0;                 // distinct parameter elements (tied weights once)
  int64_t trainable_parameters = 0;       // of those, requires_grad
  int64_t visual_tokens_per_image = 0;    // projected tokens handed to fusion
  int64_t sequence_tokens_per_image = 0;  // LLM sequence positions one image takes
  std::string ToString() const;
};

struct FlopsBreakdown {
  Flops encoder = 0, projector = 0, fusion = 0, llm = 0;
  int64_t sequence_tokens = 0;  // LLM sequence length used
  Flops total() const { return encoder + projector + fusion + llm; }
};

ModelCosts CountCosts(const VlmModel& model);
FlopsBreakdown ForwardFlopsPerSample(const VlmModel& model, int64_t text_tokens, int64_t images);
Flops TrainingFlopsPerSample(const VlmModel& model, int64_t text_tokens, int64_t images);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_MODEL_COSTS_H_
