// For fusion tests: Fuse with the text embedded by an LLM first, as VlmModel does.
//
//   FusedSequence out = *FuseText(*fusion, FusionInputs{ids, visual, kImage}, *llm);
#ifndef VLMLAB_PLUGINS_FUSION_FUSION_TESTING_H_
#define VLMLAB_PLUGINS_FUSION_FUSION_TESTING_H_

#include "absl/status/statusor.h"
#include "platform/base/status_macros.h"
#include "platform/plugin_api/model_plugins.h"

namespace vlmlab {

inline absl::StatusOr<FusedSequence> FuseText(Fusion& fusion, FusionInputs inputs, Llm& llm) {
  VLMLAB_ASSIGN_OR_RETURN(inputs.text_embeddings, llm.Embed(inputs.input_ids));
  return fusion.Fuse(inputs);
}

}  // namespace vlmlab

#endif  // VLMLAB_PLUGINS_FUSION_FUSION_TESTING_H_
