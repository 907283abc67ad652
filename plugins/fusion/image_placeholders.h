// Shared input checks of the fusion plugins: where the image placeholder tokens of each sample
// are, and whether the projected visual tokens fit the LLM.
//
//   absl::StatusOr<PlaceholderColumns> cols = FindPlaceholders(ids, image_token_id);
//   // (*cols)[b] lists sample b's placeholder columns, left to right
//   absl::StatusOr<std::vector<int32_t>> seg = SegmentIds("self_attention", segs, B, T);
//   // packed rows: (*seg)[b * T + t] is the sample of token t of row b
#ifndef VLMLAB_PLUGINS_FUSION_IMAGE_PLACEHOLDERS_H_
#define VLMLAB_PLUGINS_FUSION_IMAGE_PLACEHOLDERS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "platform/tensor/tensor.h"

namespace vlmlab {

using PlaceholderColumns = std::vector<std::vector<int64_t>>;  // [B][placeholders of sample b]

// `ids` must be i32 [B, T]. `image_token_id` < 0 is allowed only when no images are given
// (`num_images` == 0); then no placeholders are searched for.
absl::StatusOr<PlaceholderColumns> FindPlaceholders(absl::string_view fusion, const Tensor& ids,
                                                    int32_t image_token_id, int64_t num_images);

// The segment ids of packed rows (FusionInputs::segment_ids), i32 [batch, tokens], as a flat
// row-major vector; empty when `segment_ids` is undefined (one sample per row).
absl::StatusOr<std::vector<int32_t>> SegmentIds(absl::string_view fusion, const Tensor& segment_ids,
                                                int64_t batch, int64_t tokens);

// The image each of the `rows` visual rows belongs to (FusionInputs::image_crops: a split image's
// tiles and global view share one), as indices 0, 0, 0, 1, ...; with `image_crops` empty, row i
// is image i. Errors when the crops do not sum to `rows`.
absl::StatusOr<std::vector<int64_t>> ImageOfRow(absl::string_view fusion,
                                                const std::vector<int64_t>& image_crops,
                                                int64_t rows);

// Undefined `visual` means no images (returns 0); otherwise it must be f32 [N, tokens, hidden].
// Returns N.
absl::StatusOr<int64_t> CheckVisual(absl::string_view fusion, const Tensor& visual, int64_t hidden);

}  // namespace vlmlab

#endif  // VLMLAB_PLUGINS_FUSION_IMAGE_PLACEHOLDERS_H_
