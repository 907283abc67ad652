// FLIP-style random patch dropping for the `vit` encoder in training: each image keeps a
// random subset of its patch tokens (in their original order), drawn from a counter-based
// generator, so one seed gives the same subsets on every run and thread count.
//
//   int64_t keep = PatchesKept(/*patches=*/64, /*drop=*/0.5f);      // 32
//   absl::StatusOr<Tensor> kept = DropPatches(tokens, 0.5f, seed);  // [N, 64, D] -> [N, 32, D]
//
// Differentiable with respect to the tokens (a row gather: dropped patches get no gradient).
#ifndef VLMLAB_PLUGINS_ENCODERS_PATCH_DROP_H_
#define VLMLAB_PLUGINS_ENCODERS_PATCH_DROP_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

// floor(patches * (1 - drop)), at least 1.
int64_t PatchesKept(int64_t patches, float drop);

// The kept patch indices of each of `images` rows: [images][keep], each ascending.
std::vector<std::vector<int32_t>> KeptPatchIndices(int64_t images, int64_t patches, float drop,
                                                   uint64_t seed);

// tokens [N, G, D] -> [N, PatchesKept(G, drop), D].
absl::StatusOr<Tensor> DropPatches(const Tensor& tokens, float drop, uint64_t seed);

}  // namespace vlmlab

#endif  // VLMLAB_PLUGINS_ENCODERS_PATCH_DROP_H_
