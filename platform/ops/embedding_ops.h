// Differentiable embedding lookup: rows of a table gathered by integer ids. The table's
// gradient is a deterministic scatter-add of the output gradient (repeated ids add up).
//
//   // ids: i32 [B, T]; table: [V, C]  ->  [B, T, C]
//   absl::StatusOr<Tensor> h = ops::Embedding(token_ids, wte);
//
// An id outside [0, V) fails naming the op, the shapes, the position, the id and V.
#ifndef VLMLAB_PLATFORM_OPS_EMBEDDING_OPS_H_
#define VLMLAB_PLATFORM_OPS_EMBEDDING_OPS_H_

#include "absl/status/statusor.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::ops {

absl::StatusOr<Tensor> Embedding(const Tensor& ids, const Tensor& table);

}  // namespace vlmlab::ops

#endif  // VLMLAB_PLATFORM_OPS_EMBEDDING_OPS_H_
