#include "platform/image/channel_convert.h"

#include <cstring>

namespace vlmlab {

Image ConvertChannels(const uint8_t* src, int width, int height, int src_channels, int channels) {
  CHECK(src_channels >= 1 && src_channels <= 4) << src_channels;
  if (channels == 0) channels = src_channels == 2 ? 4 : src_channels;
  CHECK(channels == 1 || channels == 3 || channels == 4) << channels;
  Image out(width, height, channels);
  const size_t n = static_cast<size_t>(width) * height;
  if (channels == src_channels) {
    std::memcpy(out.pixels.data(), src, n * channels);
    return out;
  }
  uint8_t* dst = out.pixels.data();
  for (size_t i = 0; i < n; ++i, src += src_channels, dst += channels) {
    uint8_t r, g, b, a = 255;
    if (src_channels <= 2) {
      r = g = b = src[0];
      if (src_channels == 2) a = src[1];
    } else {
      r = src[0];
      g = src[1];
      b = src[2];
      if (src_channels == 4) a = src[3];
    }
    if (channels == 1) {
      dst[0] = static_cast<uint8_t>((299 * r + 587 * g + 114 * b + 500) / 1000);
    } else {
      dst[0] = r;
      dst[1] = g;
      dst[2] = b;
      if (channels == 4) dst[3] = a;
    }
  }
  return out;
}

Image ConvertImageChannels(const Image& image, int channels) {
  return ConvertChannels(image.pixels.data(), image.width, image.height, image.channels, channels);
}

}  // namespace vlmlab
