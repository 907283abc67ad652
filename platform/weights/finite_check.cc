#include "platform/weights/finite_check.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace vlmlab::weights {

std::vector<std::string> NonFiniteTensors(const std::map<std::string, Tensor>& tensors) {
  std::vector<std::string> out;
  for (const auto& [name, t] : tensors) {
    if (!t.defined() || (t.dtype() != DType::kF32 && t.dtype() != DType::kBF16)) continue;
    const std::vector<float> values = t.To(DType::kF32).Contiguous().ToVector();
    if (std::any_of(values.begin(), values.end(), [](float v) { return !std::isfinite(v); })) {
      out.push_back(name);
    }
  }
  return out;
}

absl::Status CheckFinite(const std::map<std::string, Tensor>& tensors, absl::string_view source) {
  std::vector<std::string> bad = NonFiniteTensors(tensors);
  if (bad.empty()) return absl::OkStatus();
  const size_t shown = std::min<size_t>(bad.size(), 6);
  return absl::DataLossError(absl::StrCat(
      source, ": non-finite values (NaN or infinity) in ", bad.size(), " tensor",
      bad.size() == 1 ? "" : "s", ": ", absl::StrJoin(bad.begin(), bad.begin() + shown, ", "),
      bad.size() > shown ? ", ..." : "",
      "; the weights are unusable (training diverged before this checkpoint, or the file is "
      "damaged): use an earlier checkpoint"));
}

}  // namespace vlmlab::weights
