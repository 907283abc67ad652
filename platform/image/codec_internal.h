// Internals of the image codecs (codec.h): the per-format halves and the shared checks. Only
// codec*.cc include this.
//
//   VLMLAB_RETURN_IF_ERROR(CheckDecodeDimensions("PNG", width, height));  // before allocating
#ifndef VLMLAB_PLATFORM_IMAGE_CODEC_INTERNAL_H_
#define VLMLAB_PLATFORM_IMAGE_CODEC_INTERNAL_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "platform/image/image.h"

namespace vlmlab {

// The image is non-empty, 1-4 channels, and its buffer matches its geometry.
absl::Status CheckImageForEncoding(const Image& image);
// A decoded header's dimensions are positive and within kMaxImagePixels.
absl::Status CheckDecodeDimensions(absl::string_view format, int64_t width, int64_t height);

absl::StatusOr<std::string> EncodePngImpl(const Image& image);
absl::StatusOr<Image> DecodePngImpl(absl::string_view bytes, int channels);
absl::StatusOr<std::string> EncodeJpegImpl(const Image& image, int quality);
absl::StatusOr<Image> DecodeJpegImpl(absl::string_view bytes, int channels);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_IMAGE_CODEC_INTERNAL_H_
