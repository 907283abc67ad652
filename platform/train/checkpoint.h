// Training checkpoints: model weights, optimizer state and the loop's position (stage, step,
// data position, anything the runner needs to continue bit-for-bit), written so that a kill
// at any instant leaves either the previous checkpoint or the new one, never a torn one.
//
// Layout under a run's checkpoint directory:
//   ckpt-000120/model.safetensors        the model's StateDict()
//   ckpt-000120/optimizer.safetensors    OptimizerState tensors (+ counts in its metadata)
//   ckpt-000120/state.json               CheckpointState, written last
//   LATEST                               "ckpt-000120", replaced atomically after the above
// A checkpoint directory is first written as "ckpt-000120.partial" and renamed when complete;
// LATEST is updated only after that, so readers never follow it to a partial checkpoint.
//
//   CheckpointState st{.stage_index = 1, .stage_name = "sft", .stage_step = 120, ...};
//   VLMLAB_RETURN_IF_ERROR(SaveCheckpoint(dir, /*global_step=*/520, st, model.StateDict(),
//                                         optimizer->StateDict(), /*keep=*/2));
//   VLMLAB_ASSIGN_OR_RETURN(std::optional<LoadedCheckpoint> ck, LoadLatestCheckpoint(dir));
#ifndef VLMLAB_PLATFORM_TRAIN_CHECKPOINT_H_
#define VLMLAB_PLATFORM_TRAIN_CHECKPOINT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "platform/nn/module.h"
#include "platform/optim/optimizer.h"

namespace vlmlab::train {

struct CheckpointState {
  int stage_index = 0;         // stage being trained (or finished, see stage_done)
  std::string stage_name;
  int64_t stage_step = 0;      // optimizer steps completed within that stage
  bool stage_done = false;     // the stage finished; resume starts the next one
  int64_t global_step = 0;     // steps over all stages
  std::string data_position;   // opaque, from the data pipeline
  std::string spec_hash;       // the experiment the checkpoint belongs to
  std::string extra_json = "{}";  // runner-defined JSON object (e.g. metrics so far)
};

struct LoadedCheckpoint {
  std::string path;  // the ckpt-* directory
  CheckpointState state;
  nn::TensorMap model;
  optim::OptimizerState optimizer;
};

// Writes a checkpoint for `global_step` and then deletes all but the newest `keep` (>= 1).
// Checks free space first (an error naming the directory when the checkpoint would not fit).
absl::Status SaveCheckpoint(const std::string& dir, const CheckpointState& state,
                            const nn::TensorMap& model, const optim::OptimizerState& optimizer,
                            int keep = 2);

// The checkpoint LATEST points to; nullopt when the directory holds none. A LATEST naming a
// missing or damaged checkpoint is an error (never silently ignored).
absl::StatusOr<std::optional<LoadedCheckpoint>> LoadLatestCheckpoint(const std::string& dir);

}  // namespace vlmlab::train

#endif  // VLMLAB_PLATFORM_TRAIN_CHECKPOINT_H_
