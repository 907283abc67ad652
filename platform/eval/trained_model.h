// Finding and loading a trained model for evaluation on its own (`vlmlab eval`, the LLM judge):
// a run directory (experiment.textproto, spec.textproto and checkpoints/, as `vlmlab run`
// writes it), its checkpoints/
// directory, one ckpt-* directory, or a bare .safetensors file of the model's parameters.
//
//   VLMLAB_ASSIGN_OR_RETURN(TrainedRunPaths paths, LocateTrainedRun("runs/3fa2-s0"));
//   VLMLAB_ASSIGN_OR_RETURN(LoadedExperiment spec, LoadExperimentFile(paths.experiment_path));
//   VLMLAB_ASSIGN_OR_RETURN(ModelWeights w, ReadModelWeights(paths.checkpoint));
//   VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<VlmModel> model,
//                           LoadTrainedModel(spec.experiment, w, GlobalRegistries()));
//
// Loading builds the experiment's model, rebuilds the structure the checkpoint was saved with
// (the LoRA / DoRA adapters of its stage's trainability, as a resumed run does) and loads the
// weights strictly: a parameter missing on either side or of another shape is an error
// listing them, naming the checkpoint and the experiment.
#ifndef VLMLAB_PLATFORM_EVAL_TRAINED_MODEL_H_
#define VLMLAB_PLATFORM_EVAL_TRAINED_MODEL_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "platform/model/vlm_model.h"
#include "platform/nn/module.h"
#include "platform/plugin_api/registry.h"
#include "platform/spec/experiment.pb.h"
#include "platform/train/checkpoint.h"

namespace vlmlab::eval {

struct TrainedRunPaths {
  std::string run_dir;  // the run directory; "" for a bare .safetensors file
  // <run_dir>/experiment.textproto: the whole resolved experiment; "" when there is none (runs
  // of older versions).
  std::string experiment_path;
  // <run_dir>/spec.textproto: the canonical spec, without the unhashed fields (name, seed,
  // runtime); "" when there is none.
  std::string spec_path;
  // A checkpoints directory (LATEST names the checkpoint), a ckpt-* directory, or a
  // .safetensors file.
  std::string checkpoint;
};

// Classifies `path`. NotFound when it does not exist; InvalidArgument when it is none of the
// forms above (the message lists them).
absl::StatusOr<TrainedRunPaths> LocateTrainedRun(const std::string& path);

struct ModelWeights {
  std::string path;  // the ckpt-* directory or the .safetensors file read
  nn::TensorMap tensors;
  std::optional<train::CheckpointState> state;  // absent for a bare .safetensors file
};

// The model weights (not the optimizer state) of `checkpoint` as TrainedRunPaths names it.
// NotFound, saying so, when a checkpoints directory holds no checkpoint yet.
absl::StatusOr<ModelWeights> ReadModelWeights(const std::string& checkpoint);

// Builds `exp.model()` (seeded by exp.seed()), applies the trainability of the checkpoint's
// stage when the checkpoint says which it is, and loads `weights`. The model's ImageSettings
// (resolution, image splitting) are those of the checkpoint's stage, or of the final stage
// when the weights carry no stage.
absl::StatusOr<std::unique_ptr<VlmModel>> LoadTrainedModel(const Experiment& exp,
                                                          const ModelWeights& weights,
                                                          const PluginRegistries& registries);

}  // namespace vlmlab::eval

#endif  // VLMLAB_PLATFORM_EVAL_TRAINED_MODEL_H_
