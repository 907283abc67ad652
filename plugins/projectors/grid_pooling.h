// Shape rule shared by projectors that merge r x r blocks of an encoder's patch grid
// (pixel shuffle, average pooling): the grid must exist and r must divide both sides. Tokens
// beyond the grid (a CLS token) are dropped.
//
//   absl::StatusOr<VisualShape> s = MergeGridBlocks(in, /*r=*/2, "pixel_shuffle.factor", dim);
#ifndef VLMLAB_PLUGINS_PROJECTORS_GRID_POOLING_H_
#define VLMLAB_PLUGINS_PROJECTORS_GRID_POOLING_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "platform/plugin_api/model_plugins.h"

namespace vlmlab {

inline absl::StatusOr<VisualShape> MergeGridBlocks(const VisualShape& in, int64_t r,
                                                   const std::string& option, int64_t out_dim) {
  if (in.grid_h <= 0 || in.grid_w <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(option,
                     " needs the encoder's tokens to form a patch grid, and they do not (e.g. a "
                     "multi encoder concatenating sequences); choose another projector"));
  }
  if (in.grid_h % r != 0 || in.grid_w % r != 0) {
    return absl::InvalidArgumentError(absl::StrCat(option, " ", r, " does not divide the ",
                                                   in.grid_h, "x", in.grid_w,
                                                   " patch grid of the encoder"));
  }
  int64_t h = in.grid_h / r, w = in.grid_w / r;
  return VisualShape{h * w, out_dim, h, w};
}

}  // namespace vlmlab

#endif  // VLMLAB_PLUGINS_PROJECTORS_GRID_POOLING_H_
