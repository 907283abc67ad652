// Image codecs: PNG (libpng) and JPEG (libjpeg-turbo), decoding from memory with every
// failure (truncated, corrupt, unsupported, absurd dimensions) returned as a Status, never a
// crash or a huge allocation.
//
//   absl::StatusOr<std::string> bytes = EncodePng(image);
//   absl::StatusOr<Image> back = DecodeImage(*bytes);       // sniffs PNG / JPEG
//   absl::StatusOr<Image> rgb = DecodeImage(*bytes, /*channels=*/3);  // converted to RGB
#ifndef VLMLAB_PLATFORM_IMAGE_CODEC_H_
#define VLMLAB_PLATFORM_IMAGE_CODEC_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "platform/image/image.h"

namespace vlmlab {

// Images larger than this (width * height) are refused before any pixel memory is allocated.
inline constexpr int64_t kMaxImagePixels = int64_t{1} << 28;

absl::StatusOr<std::string> EncodePng(const Image& image);
absl::StatusOr<std::string> EncodeJpeg(const Image& image, int quality = 90);
// `channels` 0 keeps the file's own (1, 3 or 4); 1 or 3 converts.
absl::StatusOr<Image> DecodeImage(absl::string_view bytes, int channels = 3);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_IMAGE_CODEC_H_
