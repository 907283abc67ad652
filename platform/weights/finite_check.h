// Refusing weights that hold NaN or infinity: a checkpoint written after training diverged
// (or damaged on disk) would otherwise evaluate to meaningless numbers with exit 0, or resume
// into a run whose failure seems to be the learning rate's.
//
//   VLMLAB_ASSIGN_OR_RETURN(weights::SafetensorsFile f, weights::ReadSafetensors(path));
//   VLMLAB_RETURN_IF_ERROR(weights::CheckFinite(f.tensors, path));
#ifndef VLMLAB_PLATFORM_WEIGHTS_FINITE_CHECK_H_
#define VLMLAB_PLATFORM_WEIGHTS_FINITE_CHECK_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::weights {

// Names of the floating-point tensors holding a NaN or an infinity, in name order.
std::vector<std::string> NonFiniteTensors(const std::map<std::string, Tensor>& tensors);

// DataLoss naming `source` and (up to six of) the tensors at fault, with what to do.
absl::Status CheckFinite(const std::map<std::string, Tensor>& tensors, absl::string_view source);

}  // namespace vlmlab::weights

#endif  // VLMLAB_PLATFORM_WEIGHTS_FINITE_CHECK_H_
