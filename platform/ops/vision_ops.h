// Differentiable vision ops: patch extraction (ViT unfold) and the stride = kernel conv built on
// it, the Idefics3 / nanoVLM pixel shuffle of token grids, and average pooling of token grids
// and images.
//
//   // images [B, 3, 224, 224], weight [D, 3, 16, 16], bias [D]  ->  [B, 196, D]
//   absl::StatusOr<Tensor> tokens = ops::PatchEmbed(images, weight, bias);
//   // tokens [B, 14*14, D] on a 14 x 14 grid  ->  [B, 7*7, 4*D]   (vision-to-text connector)
//   absl::StatusOr<Tensor> merged = ops::PixelShuffle(tokens.value(), 14, 14, /*factor=*/2);
//   absl::StatusOr<Tensor> pooled = ops::AvgPoolTokens(tokens.value(), 14, 14, 2);  // [B, 49, D]
//
// Token grids are row-major: token y*W + x holds grid cell (y, x). Every op checks ranks,
// divisibility and grid sizes and returns a Status naming the op and the shapes.
#ifndef VLMLAB_PLATFORM_OPS_VISION_OPS_H_
#define VLMLAB_PLATFORM_OPS_VISION_OPS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::ops {

// images [B, C, H, W] -> patches [B, (H/p)*(W/p), C*p*p]; p divides H and W.
// Patches are row-major over the (H/p, W/p) grid; within a patch the order is (c, py, px):
//   patches[b, (y/p)*(W/p) + x/p, (c*p + y%p)*p + x%p] = images[b, c, y, x]
// which matches a Conv2d(C, D, p, stride p) weight [D, C, p, p] reshaped to [D, C*p*p].
// Gradient: PatchesToImage.
absl::StatusOr<Tensor> ImageToPatches(const Tensor& images, int64_t patch);
// The inverse fold: patches [B, (H/p)*(W/p), C*p*p] -> images [B, C, H, W].
absl::StatusOr<Tensor> PatchesToImage(const Tensor& patches, int64_t height, int64_t width,
                                      int64_t patch);

// Conv2d(C, D, kernel p, stride p, no padding), tokens out:
//   images [B, C, H, W], weight [D, C, p, p], bias [D] (optional)  ->  [B, (H/p)*(W/p), D]
// = Linear(ImageToPatches(images, p), weight reshaped to [D, C*p*p], bias).
absl::StatusOr<Tensor> PatchEmbed(const Tensor& images, const Tensor& weight,
                                  const Tensor& bias = Tensor());

// Space-to-depth of a token grid, factor r (r divides H and W), as Idefics3 / nanoVLM
// `pixel_shuffle` (PyTorch's pixel_unshuffle in spirit, but channels-last and ordered
// (dy, dx, c) where PyTorch has (c, dy, dx)):
//   tokens [B, H*W, C]  ->  [B, (H/r)*(W/r), C*r*r]
// In their steps:
//   view    [B, H, W, C]
//   view    [B, H, W/r, C*r]          (r neighbours along x join the channels)
//   permute [B, W/r, H, C*r]          (0, 2, 1, 3)
//   reshape [B, W/r, H/r, C*r*r]      (r neighbours along y join the channels)
//   permute [B, H/r, W/r, C*r*r]      (0, 2, 1, 3)
//   reshape [B, (H/r)*(W/r), C*r*r]
// Element by element, with y = Y*r + dy and x = X*r + dx (dy, dx in [0, r)):
//   out[b, Y*(W/r) + X, (dy*r + dx)*C + c] = tokens[b, y*W + x, c]
// e.g. a 4 x 4 grid of 1-channel tokens 0..15 with r = 2 gives
//   {0, 1, 4, 5}, {2, 3, 6, 7}, {8, 9, 12, 13}, {10, 11, 14, 15}.
// A permutation of the elements; gradient: PixelShuffleInverse.
absl::StatusOr<Tensor> PixelShuffle(const Tensor& tokens, int64_t grid_h, int64_t grid_w,
                                    int64_t factor);
// The inverse: [B, (H/r)*(W/r), C*r*r] -> [B, H*W, C], where (grid_h, grid_w) = (H, W) is the
// grid before the shuffle.
absl::StatusOr<Tensor> PixelShuffleInverse(const Tensor& shuffled, int64_t grid_h, int64_t grid_w,
                                           int64_t factor);

// Mean over k x k windows with stride k (k divides H and W); gradient: g / (k*k) to each cell.
//   tokens [B, H*W, C] on the grid (H, W)  ->  [B, (H/k)*(W/k), C]
absl::StatusOr<Tensor> AvgPoolTokens(const Tensor& tokens, int64_t grid_h, int64_t grid_w,
                                     int64_t kernel);
//   images [B, C, H, W]  ->  [B, C, H/k, W/k]
absl::StatusOr<Tensor> AvgPool2d(const Tensor& images, int64_t kernel);

}  // namespace vlmlab::ops

#endif  // VLMLAB_PLATFORM_OPS_VISION_OPS_H_
