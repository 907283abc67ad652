// Patch position encodings of the `vit` encoder for any patch grid:
// - BilinearResizeMatrix: the fixed matrix M [gh*gw, g0h*g0w] with M x table = the table of a
//   g0h x g0w grid resized bilinearly to gh x gw (half-pixel centres, edges clamped: PyTorch's
//   interpolate(mode="bilinear", align_corners=False)). A product with a constant matrix, so
//   the resized positions stay differentiable with respect to the learned table. M is the
//   identity when the grid is unchanged.
// - SinCos2d: MAE's fixed 2-D sine-cosine table [gh*gw, dim] (dim a multiple of 4).
//
//   Tensor m = BilinearResizeMatrix(8, 8, 6, 10);                     // [60, 64]
//   absl::StatusOr<Tensor> pos = ops::Matmul(m, table);                // table [64, D]
//   Tensor fixed = SinCos2d(6, 10, 128);                              // [60, 128]
//
// Grids are row-major: row y*gw + x is patch (y, x).
#ifndef VLMLAB_PLUGINS_ENCODERS_POSITION_EMBEDDING_H_
#define VLMLAB_PLUGINS_ENCODERS_POSITION_EMBEDDING_H_

#include <cstdint>

#include "platform/tensor/tensor.h"

namespace vlmlab {

// Weights [out, in] of 1-D linear interpolation from `in` samples to `out` samples.
Tensor LinearResizeWeights(int64_t in, int64_t out);

// [gh*gw, g0h*g0w]: the outer product of the row and column interpolations.
Tensor BilinearResizeMatrix(int64_t g0h, int64_t g0w, int64_t gh, int64_t gw);

// Row y*gw + x: [sin(y w_k), cos(y w_k), sin(x w_k), cos(x w_k)], k = 0 .. dim/4 - 1,
// w_k = 10000^(-k / (dim/4)). dim must be a positive multiple of 4 (CHECKed; the encoder's
// validator reports it first).
Tensor SinCos2d(int64_t gh, int64_t gw, int64_t dim);

}  // namespace vlmlab

#endif  // VLMLAB_PLUGINS_ENCODERS_POSITION_EMBEDDING_H_
