// Builds a spec's model plugins and checks that they fit together: the encoder's tokens
// through the projector into the LLM via the fusion style. Returns the shapes a researcher
// wants to see before a run (visual tokens per image, widths, depths).
//
//   std::string part;
//   absl::StatusOr<ModelSummary> s = SummarizeModel(exp.model(), registries, ctx, &part);
//   // on error `part` is "encoder", "projector", "fusion", "llm" or "tokenizer"
#ifndef VLMLAB_PLATFORM_SPEC_MODEL_SUMMARY_H_
#define VLMLAB_PLATFORM_SPEC_MODEL_SUMMARY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "platform/plugin_api/registry.h"
#include "platform/spec/experiment.pb.h"

namespace vlmlab {

struct ModelSummary {
  std::string encoder, projector, fusion, llm, tokenizer;  // plugin names
  ImageInputSpec encoder_input;                            // the image size the encoder takes
  VisualShape encoder_output;                              // per image
  VisualShape visual_tokens;                               // per image, after the projector
  LlmShape llm_shape;                                      // vocab_size resolved
  // model.text_tower: "" when unset, "model_llm", or the transformer's plugin name; and the
  // shape of the transformer that reads captions (the LLM's for model_llm), vocab resolved.
  std::string text_tower;
  LlmShape text_shape;
  std::string ToString() const;
};

// An unset tokenizer means `byte {}`. `image_size` > 0: the shapes with the encoder taking
// images of that size (Encoder::SetImageSize, a stage's rising resolution).
absl::StatusOr<ModelSummary> SummarizeModel(const Model& model, const PluginRegistries& registries,
                                            const BuildContext& context, std::string* failing_part,
                                            int64_t image_size = 0);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_SPEC_MODEL_SUMMARY_H_
