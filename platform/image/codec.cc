#include "platform/image/codec.h"

#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "platform/image/codec_internal.h"

namespace vlmlab {

absl::Status CheckImageForEncoding(const Image& image) {
  if (image.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot encode an empty image (", image.width, "x", image.height, ")"));
  }
  if (image.channels < 1 || image.channels > 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot encode an image with ", image.channels, " channels (want 1-4)"));
  }
  size_t want = static_cast<size_t>(image.width) * image.height * image.channels;
  if (image.pixels.size() != want) {
    return absl::InvalidArgumentError(absl::StrCat("image pixel buffer holds ", image.pixels.size(),
                                                   " bytes but ", image.width, "x", image.height,
                                                   "x", image.channels, " needs ", want));
  }
  return absl::OkStatus();
}

absl::Status CheckDecodeDimensions(absl::string_view format, int64_t width, int64_t height) {
  if (width <= 0 || height <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(format, " header declares an empty image (", width, "x", height, ")"));
  }
  if (width * height > kMaxImagePixels) {
    return absl::InvalidArgumentError(absl::StrCat(format, " image is ", width, "x", height,
                                                   ", more than the ", kMaxImagePixels,
                                                   " pixels vlmlab decodes; downscale it first"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> EncodePng(const Image& image) { return EncodePngImpl(image); }

absl::StatusOr<std::string> EncodeJpeg(const Image& image, int quality) {
  return EncodeJpegImpl(image, quality);
}

absl::StatusOr<Image> DecodeImage(absl::string_view bytes, int channels) {
  if (channels != 0 && channels != 1 && channels != 3 && channels != 4) {
    return absl::InvalidArgumentError(absl::StrCat(
        "DecodeImage: channels must be 0 (keep), 1 (gray), 3 (RGB) or 4 (RGBA), got ", channels));
  }
  static constexpr char kPngSignature[] = "\x89PNG\r\n\x1a\n";
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), kPngSignature, 8) == 0) {
    return DecodePngImpl(bytes, channels);
  }
  if (bytes.size() >= 3 && static_cast<uint8_t>(bytes[0]) == 0xFF &&
      static_cast<uint8_t>(bytes[1]) == 0xD8 && static_cast<uint8_t>(bytes[2]) == 0xFF) {
    return DecodeJpegImpl(bytes, channels);
  }
  std::string head;
  for (size_t i = 0; i < bytes.size() && i < 8; ++i) {
    absl::StrAppend(&head, i ? " " : "",
                    absl::Hex(static_cast<uint8_t>(bytes[i]), absl::kZeroPad2));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("not a PNG or JPEG image (", bytes.size(), " bytes, starting ",
                   head.empty() ? "<empty>" : head, "); only PNG and JPEG are supported"));
}

}  // namespace vlmlab
