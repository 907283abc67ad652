// The model inputs of a collated data batch, shared by the stage plugins.
//
//   ModelInputs in = ToModelInputs(batch);
//   absl::StatusOr<Tensor> loss = model.Loss(in);
#ifndef VLMLAB_PLUGINS_STAGES_MODEL_INPUTS_H_
#define VLMLAB_PLUGINS_STAGES_MODEL_INPUTS_H_

#include "platform/data/batch.h"
#include "platform/model/vlm_model.h"

namespace vlmlab {

inline ModelInputs ToModelInputs(const data::Batch& batch) {
  ModelInputs in;
  in.input_ids = batch.input_ids;
  in.labels = batch.labels;
  in.key_padding_mask = batch.attention_mask;
  in.images = batch.images;
  return in;
}

}  // namespace vlmlab

#endif  // VLMLAB_PLUGINS_STAGES_MODEL_INPUTS_H_
