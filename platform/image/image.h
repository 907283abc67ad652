// Image: an 8-bit interleaved raster (HWC), the currency between image codecs, the synthetic
// renderer and the preprocessing that turns images into encoder input tensors.
//
//   Image img(64, 48, 3);               // width 64, height 48, RGB, zero-filled (black)
//   img.at(10, 5)[0] = 255;             // x = 10, y = 5, red channel
//   absl::StatusOr<std::string> png = EncodePng(img);   // platform/image/codec.h
#ifndef VLMLAB_PLATFORM_IMAGE_IMAGE_H_
#define VLMLAB_PLATFORM_IMAGE_IMAGE_H_

#include <cstdint>
#include <vector>

#include "glog/logging.h"

namespace vlmlab {

struct Image {
  Image() = default;
  Image(int width, int height, int channels)
      : width(width), height(height), channels(channels),
        pixels(static_cast<size_t>(width) * height * channels, 0) {
    CHECK(width >= 0 && height >= 0 && channels >= 1 && channels <= 4)
        << "bad image geometry " << width << "x" << height << "x" << channels;
  }
  bool empty() const { return width == 0 || height == 0; }
  // The `channels` bytes of pixel (x, y).
  uint8_t* at(int x, int y) {
    return pixels.data() + (static_cast<size_t>(y) * width + x) * channels;
  }
  const uint8_t* at(int x, int y) const {
    return pixels.data() + (static_cast<size_t>(y) * width + x) * channels;
  }

  int width = 0;
  int height = 0;
  int channels = 0;             // 1 gray, 3 RGB, 4 RGBA
  std::vector<uint8_t> pixels;  // [height, width, channels], row-major
};

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_IMAGE_IMAGE_H_
