#include "platform/model/costs.h"

#include "absl/strings/str_cat.h"

namespace vlmlab {

std::string ModelCosts::ToString() const {
  return absl::StrCat(parameters, " parameters (", trainable_parameters, " trainable), ",
                      visual_tokens_per_image, " visual tokens per image (",
                      sequence_tokens_per_image, " sequence positions)");
}

ModelCosts CountCosts(const VlmModel& model) {
  ModelCosts c;
  c.parameters = model.NumParameters();
  c.trainable_parameters = model.NumParameters(/*trainable_only=*/true);
  c.visual_tokens_per_image = model.summary().visual_tokens.tokens;
  const ImageLayout layout = model.layout();
  c.sequence_tokens_per_image = layout.placeholders + (layout.delimiters ? 2 : 0);
  return c;
}

FlopsBreakdown ForwardFlopsPerSample(const VlmModel& model, int64_t text_tokens, int64_t images) {
  FlopsBreakdown f;
  const ModelSummary& s = model.summary();
  f.sequence_tokens = text_tokens + images * CountCosts(model).sequence_tokens_per_image;
  const double n = static_cast<double>(images);
  if (absl::StatusOr<Encoder*> e = model.encoder(); e.ok() && images > 0) {
    f.encoder = n * (*e)->ForwardFlops();
  }
  if (absl::StatusOr<Projector*> p = model.projector(); p.ok() && images > 0) {
    f.projector = n * (*p)->ForwardFlops(s.encoder_output, s.llm_shape);
  }
  if (absl::StatusOr<Fusion*> u = model.fusion(); u.ok()) {
    f.fusion = (*u)->ForwardFlops(s.visual_tokens, s.llm_shape, f.sequence_tokens, images);
  }
  if (absl::StatusOr<Llm*> l = model.llm(); l.ok()) f.llm = (*l)->ForwardFlops(f.sequence_tokens);
  return f;
}

Flops TrainingFlopsPerSample(const VlmModel& model, int64_t text_tokens, int64_t images) {
  return 3 * ForwardFlopsPerSample(model, text_tokens, images).total();
}

}  // namespace vlmlab
