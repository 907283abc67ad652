// Reading a checkpoint that may be one safetensors file or a Hugging Face checkpoint
// directory: `model.safetensors`, or `model.safetensors.index.json` and the shards its
// `weight_map` names (each shard read once; a tensor in two shards is an error).
//
//   VLMLAB_ASSIGN_OR_RETURN(weights::SafetensorsFile f,
//                           weights::ReadCheckpointTensors("models/smollm2"));
//   // f.tensors: every tensor of every shard; f.notes: "<shard>: <conversion>"
#ifndef VLMLAB_PLATFORM_WEIGHTS_CHECKPOINT_FILES_H_
#define VLMLAB_PLATFORM_WEIGHTS_CHECKPOINT_FILES_H_

#include <string>

#include "absl/status/statusor.h"
#include "platform/weights/safetensors.h"

namespace vlmlab::weights {

// `path`: a .safetensors file, or a directory as above. Errors name the file at fault.
absl::StatusOr<SafetensorsFile> ReadCheckpointTensors(const std::string& path);

}  // namespace vlmlab::weights

#endif  // VLMLAB_PLATFORM_WEIGHTS_CHECKPOINT_FILES_H_
