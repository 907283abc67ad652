// Image preprocessing: a decoded Image to the normalised f32 [N, C, H, W] tensor an encoder
// takes. Resizing is a separable triangle (bilinear) filter with half-pixel centres whose
// support widens by the scale factor when downscaling, so every source pixel contributes (area
// aware, like PIL's BILINEAR); upscaling is plain bilinear with clamped edges.
//
//   ImagePreprocessOptions o;            // 224 x 224, aspect kept, padded, CLIP statistics
//   o.norm = Normalization::Siglip();
//   VLMLAB_ASSIGN_OR_RETURN(PreprocessedImage p, PreprocessImage(image, o));
//   // p.pixels: f32 [1, 3, 224, 224]
//
// Modes:
//   kPad        scale so the longer side is `size`, centre on a size x size canvas filled with
//               the mean colour (0 after normalisation; or black with pad_with_mean = false)
//   kCenterCrop scale so the shorter side is `size`, keep the centre size x size
//   kStretch    resize to size x size ignoring the aspect ratio
//   kNative     keep the resolution, shrinking so the longer side is at most `size`; each side
//               rounded to a multiple of `patch_size` (so H and W differ per image)
// Splitting (Idefics2/3 style, max_tiles_per_side > 0): the image, shrunk so its longer side is
// at most max_tiles_per_side * size, is resized to rows x cols tiles of size x size (rows =
// ceil(h / size), cols = ceil(w / size)) and cut into them, row-major, followed by a global view
// of the whole image made with `mode`. An image that fits one tile gives the global view only.
#ifndef VLMLAB_PLATFORM_DATA_IMAGE_PREPROCESS_H_
#define VLMLAB_PLATFORM_DATA_IMAGE_PREPROCESS_H_

#include <array>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/image/image.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::data {

enum class ResizeMode { kPad, kCenterCrop, kStretch, kNative };

// Per-channel statistics applied to values in [0, 1]: (v - mean) / std.
struct Normalization {
  std::array<float, 3> mean = {0, 0, 0};
  std::array<float, 3> std = {1, 1, 1};
  static Normalization Clip() {
    return {{0.48145466f, 0.4578275f, 0.40821073f}, {0.26862954f, 0.26130258f, 0.27577711f}};
  }
  static Normalization Siglip() { return {{0.5f, 0.5f, 0.5f}, {0.5f, 0.5f, 0.5f}}; }
  static Normalization ImageNet() { return {{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}}; }
  static Normalization Identity() { return {}; }
};

struct ImagePreprocessOptions {
  ResizeMode mode = ResizeMode::kPad;
  int size = 224;       // output side (kNative: the longest side allowed; splitting: tile side)
  int patch_size = 14;  // kNative rounds sides to multiples of this
  int channels = 3;     // 3 (gray is replicated, alpha dropped) or 1 (ITU-R 601 luma)
  Normalization norm = Normalization::Clip();
  bool pad_with_mean = true;
  int max_tiles_per_side = 0;  // > 0 splits into tiles plus a global view
};

struct PreprocessedImage {
  Tensor pixels;  // f32 [N, C, H, W]; N = rows * cols + 1 when split, else 1
  int rows = 1;   // tile grid (1 x 1: no tiles, only the whole image)
  int cols = 1;
};

absl::StatusOr<PreprocessedImage> PreprocessImage(const Image& image,
                                                  const ImagePreprocessOptions& options);

// Checks the options (sizes, channels, non-zero std) with a message naming the field.
absl::Status ValidatePreprocessOptions(const ImagePreprocessOptions& options);

// The output size of the whole-image view for `mode` (kNative: the rounded size).
void OutputSize(int width, int height, const ImagePreprocessOptions& options, int* out_width,
                int* out_height);

// Resamples the region [x0, x0 + w) x [y0, y0 + h) (source pixel units, fractional allowed) of
// `planes` ([C][height][width] floats) to out_w x out_h, returning [C][out_h][out_w].
std::vector<float> ResampleRegion(const std::vector<float>& planes, int channels, int width,
                                  int height, double x0, double y0, double w, double h, int out_w,
                                  int out_h);

// The image as planar floats in [0, 1] with `channels` (1 or 3) channels.
std::vector<float> ToPlanar(const Image& image, int channels);

}  // namespace vlmlab::data

#endif  // VLMLAB_PLATFORM_DATA_IMAGE_PREPROCESS_H_
