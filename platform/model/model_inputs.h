// The model inputs of a collated data batch, for stage plugins (built-in and out-of-tree). A packed batch
// (several samples per row) also passes its segment ids and per-sample positions.
//
//   ModelInputs in = ToModelInputs(batch);
//   absl::StatusOr<Tensor> loss = model.Loss(in);
#ifndef VLMLAB_PLATFORM_MODEL_MODEL_INPUTS_H_
#define VLMLAB_PLATFORM_MODEL_MODEL_INPUTS_H_

#include "platform/data/batch.h"
#include "platform/model/vlm_model.h"

namespace vlmlab {

inline ModelInputs ToModelInputs(const data::Batch& batch) {
  ModelInputs in;
  in.input_ids = batch.input_ids;
  in.labels = batch.labels;
  in.key_padding_mask = batch.attention_mask;
  in.images = batch.images;
  in.image_crops = batch.image_crops;
  in.image_sizes = batch.image_sizes;
  if (batch.packed) {  // several samples per row: block-diagonal attention, per-sample positions
    in.segment_ids = batch.segment_ids;
    in.positions = batch.positions;
  }
  return in;
}

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_MODEL_MODEL_INPUTS_H_
