// Shared pieces of the projector plugins: the options' activation as an nn::Activation, the
// checks of a projector's input, and the patch-grid tokens (CLS dropped) of grid projectors.
//
//   VLMLAB_RETURN_IF_ERROR(CheckProjectorInput("linear", built_, in, in_dim_));
//   VLMLAB_ASSIGN_OR_RETURN(Tensor grid, GridTokens("pixel_shuffle", in));   // [N, gh*gw, D]
#ifndef VLMLAB_PLUGINS_PROJECTORS_PROJECTOR_UTIL_H_
#define VLMLAB_PLUGINS_PROJECTORS_PROJECTOR_UTIL_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "platform/nn/mlp.h"
#include "platform/ops/shape_ops.h"
#include "platform/plugin_api/model_plugins.h"
#include "platform/spec/projectors.pb.h"

namespace vlmlab {

// GELU is the exact (erf) GELU of PyTorch's nn.GELU(), as LLaVA's projector uses.
inline nn::Activation ToNnActivation(Activation a) {
  switch (a) {
    case SILU:
      return nn::Activation::kSilu;
    case RELU:
      return nn::Activation::kRelu;
    default:
      return nn::Activation::kGeluErf;
  }
}

// Built, and `in.tokens` is f32 [N, T, dim]. A projector that does not set `masks_padding`
// would hand padding tokens (EncodedImages::token_mask 0) to the LLM: refused, naming the
// projector that masks them.
inline absl::Status CheckProjectorInput(const char* name, bool built, const EncodedImages& in,
                                        int64_t dim, bool masks_padding = false) {
  if (!built) return absl::FailedPreconditionError(absl::StrCat(name, ": Project before Build"));
  const Tensor& t = in.tokens;
  if (!t.defined() || t.dim() != 3 || t.size(2) != dim) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": visual tokens ", t.defined() ? t.DebugString() : std::string("(undefined)"),
        " do not match the encoder width ", dim, " the projector was built for (want [N, T, ", dim,
        "])"));
  }
  const Tensor& m = in.token_mask;
  if (m.defined()) {
    if (m.dtype() != DType::kI32 || m.dim() != 2 || m.size(0) != t.size(0) ||
        m.size(1) != t.size(1)) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": token_mask ", m.DebugString(),
                                                     " must be i32 [", t.size(0), ", ", t.size(1),
                                                     "] like the visual tokens"));
    }
    if (!masks_padding) {
      for (int32_t v : m.Contiguous().ToInts()) {
        if (v != 0) continue;
        return absl::InvalidArgumentError(
            absl::StrCat(name,
                         ": the batch holds native-resolution images of different sizes, and this "
                         "projector would pass their padding patches to the LLM; use the perceiver "
                         "projector, which masks them, or images of one size"));
      }
    }
  }
  return absl::OkStatus();
}

// The tokens of the patch grid: [N, gh*gw, D], without a leading CLS token.
inline absl::StatusOr<Tensor> GridTokens(const char* name, const EncodedImages& in) {
  const int64_t first = in.cls ? 1 : 0;
  if (in.grid_h <= 0 || in.grid_w <= 0 || in.tokens.size(1) != first + in.grid_h * in.grid_w) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": needs visual tokens on a patch grid, got ", in.tokens.size(1), " tokens on a ",
        in.grid_h, "x", in.grid_w, " grid", in.cls ? " after a CLS token" : "",
        " (a multi encoder concatenating sequences, or patch dropping in training, gives no "
        "grid); choose another projector"));
  }
  if (first == 0) return in.tokens;
  return ops::Slice(in.tokens, 1, 1, in.tokens.size(1));
}

}  // namespace vlmlab

#endif  // VLMLAB_PLUGINS_PROJECTORS_PROJECTOR_UTIL_H_
