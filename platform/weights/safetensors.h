// Reading and writing safetensors files (the Hugging Face weights format) as named CPU
// tensors, e.g. a module's state dict (nn::TensorMap is the same std::map).
//
//   VLMLAB_RETURN_IF_ERROR(weights::WriteSafetensors("m.safetensors", model.StateDict(),
//                                                    {{"format", "pt"}}));
//   VLMLAB_ASSIGN_OR_RETURN(weights::SafetensorsFile f, weights::ReadSafetensors("m.safetensors"));
//   VLMLAB_RETURN_IF_ERROR(model.LoadStateDict(f.tensors));
//
// dtypes: F32, BF16 and I32 load as f32, bf16 and i32. F16 loads as f32 (exact) and I64 as
// i32 (an error if a value is out of range); each conversion adds a line to `notes`. Every
// other dtype is an error naming the tensor and the dtype. Hostile or corrupt files give an
// error naming the file and what is wrong, never a crash or an allocation beyond the file's
// size (see safetensors_header.h for the checks). The data is read straight into the
// tensors' storage: one copy, from the file to memory.
//
// Writing: "__metadata__" first, then tensors in name order, each header entry as
// {"dtype","shape","data_offsets"}, the header padded with spaces to a multiple of 8 bytes,
// the data contiguous in name order. The file is replaced atomically (atomic_file.h).
#ifndef VLMLAB_PLATFORM_WEIGHTS_SAFETENSORS_H_
#define VLMLAB_PLATFORM_WEIGHTS_SAFETENSORS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::weights {

struct SafetensorsFile {
  std::map<std::string, Tensor> tensors;  // contiguous, on the CPU
  std::map<std::string, std::string> metadata;
  // Conversions made while loading, e.g. `tensor "w": F16 converted to f32`.
  std::vector<std::string> notes;
};

absl::StatusOr<SafetensorsFile> ReadSafetensors(const std::string& path);

// Tensors must be f32, bf16 or i32 on the CPU (any strides); a tensor may not be named
// "__metadata__"; names and metadata must be valid UTF-8.
absl::Status WriteSafetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                              const std::map<std::string, std::string>& metadata = {});

}  // namespace vlmlab::weights

#endif  // VLMLAB_PLATFORM_WEIGHTS_SAFETENSORS_H_
