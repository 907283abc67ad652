#include "plugins/fusion/image_placeholders.h"

#include "absl/strings/str_cat.h"

namespace vlmlab {

absl::StatusOr<PlaceholderColumns> FindPlaceholders(absl::string_view fusion, const Tensor& ids,
                                                    int32_t image_token_id, int64_t num_images) {
  if (!ids.defined() || ids.dim() != 2 || ids.dtype() != DType::kI32) {
    return absl::InvalidArgumentError(absl::StrCat(fusion, ": input_ids ",
                                                   ids.defined() ? ids.DebugString() : "undefined",
                                                   " must be i32 [batch, tokens]"));
  }
  const int64_t batch = ids.size(0), tokens = ids.size(1);
  PlaceholderColumns cols(batch);
  if (image_token_id < 0) {
    if (num_images > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(fusion, ": ", num_images,
                       " images given but no image_token_id to find their placeholders; pass the "
                       "tokenizer's SpecialId(kImage)"));
    }
    return cols;
  }
  Tensor c = ids.Contiguous();
  const int32_t* p = c.data<int32_t>();
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t t = 0; t < tokens; ++t) {
      if (p[b * tokens + t] == image_token_id) cols[b].push_back(t);
    }
  }
  return cols;
}

absl::StatusOr<std::vector<int32_t>> SegmentIds(absl::string_view fusion, const Tensor& segment_ids,
                                                int64_t batch, int64_t tokens) {
  if (!segment_ids.defined()) return std::vector<int32_t>();
  if (segment_ids.dtype() != DType::kI32 || segment_ids.dim() != 2 ||
      segment_ids.size(0) != batch || segment_ids.size(1) != tokens) {
    return absl::InvalidArgumentError(absl::StrCat(fusion, ": segment_ids ",
                                                   segment_ids.DebugString(), " must be i32 [",
                                                   batch, ", ", tokens, "] like input_ids"));
  }
  return segment_ids.Contiguous().ToInts();
}

absl::StatusOr<std::vector<int64_t>> ImageOfRow(absl::string_view fusion,
                                                const std::vector<int64_t>& image_crops,
                                                int64_t rows) {
  std::vector<int64_t> out;
  out.reserve(rows);
  if (image_crops.empty()) {
    for (int64_t i = 0; i < rows; ++i) out.push_back(i);
    return out;
  }
  for (size_t image = 0; image < image_crops.size(); ++image) {
    if (image_crops[image] < 1) {
      return absl::InvalidArgumentError(absl::StrCat(fusion, ": image ", image, " has ",
                                                     image_crops[image],
                                                     " visual rows (image_crops); at least 1"));
    }
    out.insert(out.end(), image_crops[image], static_cast<int64_t>(image));
  }
  if (static_cast<int64_t>(out.size()) != rows) {
    return absl::InvalidArgumentError(absl::StrCat(fusion, ": image_crops sum to ", out.size(),
                                                   " but ", rows, " visual rows were given"));
  }
  return out;
}

absl::StatusOr<int64_t> CheckVisual(absl::string_view fusion, const Tensor& visual,
                                    int64_t hidden) {
  if (!visual.defined()) return 0;
  if (visual.dim() != 3 || visual.size(2) != hidden || visual.dtype() != DType::kF32) {
    return absl::InvalidArgumentError(absl::StrCat(fusion, ": visual tokens ", visual.DebugString(),
                                                   " must be f32 [images, tokens, ", hidden,
                                                   "] (the LLM's hidden size)"));
  }
  return visual.size(0);
}

}  // namespace vlmlab
