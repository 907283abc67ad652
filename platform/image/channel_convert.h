// Channel conversion between gray (1), gray+alpha (2), RGB (3) and RGBA (4) rasters. Alpha is
// dropped when converting to 1 or 3 channels (as PIL's convert does); gray is ITU-R 601 luma.
//
//   Image rgb = ConvertChannels(raw.data(), w, h, /*src_channels=*/1, /*channels=*/3);
//   Image gray = ConvertImageChannels(rgb, 1);
#ifndef VLMLAB_PLATFORM_IMAGE_CHANNEL_CONVERT_H_
#define VLMLAB_PLATFORM_IMAGE_CHANNEL_CONVERT_H_

#include <cstdint>

#include "platform/image/image.h"

namespace vlmlab {

// `src` holds width * height * src_channels bytes (1-4 channels). `channels` is 1, 3 or 4, or
// 0 to keep the source's layout (gray+alpha becomes RGBA: Image has no 2-channel meaning).
Image ConvertChannels(const uint8_t* src, int width, int height, int src_channels, int channels);
Image ConvertImageChannels(const Image& image, int channels);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_IMAGE_CHANNEL_CONVERT_H_
