#include "plugins/llms/hf_gpt2_names.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "platform/base/status_macros.h"

namespace vlmlab::llms {
namespace {

// A 2-D tensor's columns [begin, end) transposed: [rows, cols] -> [end - begin, rows], f32.
absl::StatusOr<Tensor> TransposedColumns(const std::string& name, const Tensor& t, int64_t begin,
                                         int64_t end) {
  if (t.dim() != 2 || end > t.size(1)) {
    return absl::InvalidArgumentError(absl::StrCat(name, " is ", ShapeString(t.shape()),
                                                   "; expected a matrix with at least ", end,
                                                   " columns"));
  }
  const int64_t rows = t.size(0), cols = t.size(1);
  std::vector<float> in = t.To(DType::kF32).Contiguous().ToVector();
  std::vector<float> out((end - begin) * rows);
  for (int64_t c = begin; c < end; ++c) {
    for (int64_t r = 0; r < rows; ++r) out[(c - begin) * rows + r] = in[r * cols + c];
  }
  return Tensor::FromVector({end - begin, rows}, out);
}

// A vector's elements [begin, end), f32.
absl::StatusOr<Tensor> Part(const std::string& name, const Tensor& t, int64_t begin, int64_t end) {
  if (t.dim() != 1 || end > t.size(0)) {
    return absl::InvalidArgumentError(absl::StrCat(name, " is ", ShapeString(t.shape()),
                                                   "; expected a vector of at least ", end));
  }
  std::vector<float> v = t.To(DType::kF32).Contiguous().ToVector();
  return Tensor::FromVector({end - begin}, std::vector<float>(v.begin() + begin, v.begin() + end));
}

}  // namespace

absl::StatusOr<nn::TensorMap> HfGpt2ToVlmlab(const nn::TensorMap& hf, const Gpt2Options& options) {
  const int64_t h = options.hidden();
  nn::TensorMap out;
  std::vector<std::string> unknown;
  for (const auto& [full, t] : hf) {
    std::string name = full;
    if (absl::StartsWith(name, "transformer.")) name = name.substr(12);
    if (name == "lm_head.weight") continue;  // tied to wte
    if (name == "wte.weight") {
      out["embed.weight"] = t.To(DType::kF32);
    } else if (name == "wpe.weight") {
      out["pos_embed.weight"] = t.To(DType::kF32);
    } else if (absl::StartsWith(name, "ln_f.")) {
      out["norm." + name.substr(5)] = t.To(DType::kF32);
    } else if (absl::StartsWith(name, "h.")) {
      std::vector<std::string> parts = absl::StrSplit(name, absl::MaxSplits('.', 2));
      int64_t layer = 0;
      if (parts.size() != 3 || !absl::SimpleAtoi(parts[1], &layer)) {
        unknown.push_back(full);
        continue;
      }
      const std::string block = absl::StrCat("blocks.", layer, ".");
      const std::string& rest = parts[2];
      const bool weight = absl::EndsWith(rest, ".weight");
      if (rest == "attn.bias" || rest == "attn.masked_bias") continue;  // mask buffers
      if (absl::StartsWith(rest, "ln_1.")) {
        out[block + "norm1." + rest.substr(5)] = t.To(DType::kF32);
      } else if (absl::StartsWith(rest, "ln_2.")) {
        out[block + "norm2." + rest.substr(5)] = t.To(DType::kF32);
      } else if (rest == "attn.c_attn.weight" || rest == "attn.c_attn.bias") {
        const char* heads[3] = {"q", "k", "v"};
        for (int i = 0; i < 3; ++i) {
          const std::string target =
              absl::StrCat(block, "attn.", heads[i], weight ? ".weight" : ".bias");
          VLMLAB_ASSIGN_OR_RETURN(out[target], weight
                                                   ? TransposedColumns(full, t, i * h, (i + 1) * h)
                                                   : Part(full, t, i * h, (i + 1) * h));
        }
      } else if (rest == "attn.c_proj.weight" || rest == "mlp.c_fc.weight" ||
                 rest == "mlp.c_proj.weight") {
        const std::string target = rest == "attn.c_proj.weight" ? "attn.o.weight"
                                   : rest == "mlp.c_fc.weight"  ? "fc1.weight"
                                                                : "fc2.weight";
        VLMLAB_ASSIGN_OR_RETURN(out[block + target], TransposedColumns(full, t, 0, t.size(1)));
      } else if (rest == "attn.c_proj.bias") {
        out[block + "attn.o.bias"] = t.To(DType::kF32);
      } else if (rest == "mlp.c_fc.bias") {
        out[block + "fc1.bias"] = t.To(DType::kF32);
      } else if (rest == "mlp.c_proj.bias") {
        out[block + "fc2.bias"] = t.To(DType::kF32);
      } else {
        unknown.push_back(full);
      }
    } else {
      unknown.push_back(full);
    }
  }
  if (!unknown.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "GPT-2 checkpoint: names with no gpt2-plugin counterpart: ", absl::StrJoin(unknown, ", ")));
  }
  return out;
}

}  // namespace vlmlab::llms
