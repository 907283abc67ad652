#include "plugins/encoders/patch_drop.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "platform/base/status_macros.h"
#include "platform/ops/embedding_ops.h"
#include "platform/ops/shape_ops.h"

namespace vlmlab {

int64_t PatchesKept(int64_t patches, float drop) {
  const auto keep = static_cast<int64_t>(std::floor(static_cast<double>(patches) * (1.0 - drop)));
  return std::max<int64_t>(1, std::min(keep, patches));
}

std::vector<std::vector<int32_t>> KeptPatchIndices(int64_t images, int64_t patches, float drop,
                                                   uint64_t seed) {
  const int64_t keep = PatchesKept(patches, drop);
  const std::vector<float> scores =
      Tensor::RandUniform({images, patches}, seed, 0.0f, 1.0f).ToVector();
  std::vector<std::vector<int32_t>> kept(images);
  for (int64_t n = 0; n < images; ++n) {
    std::vector<int32_t> order(patches);
    std::iota(order.begin(), order.end(), 0);
    const float* s = scores.data() + n * patches;
    std::stable_sort(order.begin(), order.end(), [s](int32_t a, int32_t b) { return s[a] < s[b]; });
    order.resize(keep);
    std::sort(order.begin(), order.end());
    kept[n] = std::move(order);
  }
  return kept;
}

absl::StatusOr<Tensor> DropPatches(const Tensor& tokens, float drop, uint64_t seed) {
  if (!tokens.defined() || tokens.dim() != 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        "patch drop: tokens must be [N, G, D], got ",
        tokens.defined() ? ShapeString(tokens.shape()) : std::string("an undefined tensor")));
  }
  const int64_t n = tokens.size(0), g = tokens.size(1), d = tokens.size(2);
  const std::vector<std::vector<int32_t>> kept = KeptPatchIndices(n, g, drop, seed);
  const int64_t keep = PatchesKept(g, drop);
  std::vector<int32_t> ids;
  ids.reserve(n * keep);
  for (int64_t i = 0; i < n; ++i) {
    for (int32_t k : kept[i]) ids.push_back(static_cast<int32_t>(i * g + k));
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor flat, ops::Reshape(tokens, {n * g, d}));  // [N*G, D]
  return ops::Embedding(Tensor::FromInts({n, keep}, ids), flat);           // [N, keep, D]
}

}  // namespace vlmlab
