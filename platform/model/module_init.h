// Initial weights of the model's parts from checkpoints: the `init { path naming prefix }`
// blocks of a spec's encoder, projector and llm slots. A run calls it once, after BuildVlm and
// before its first stage; a resumed run loads its own checkpoint instead.
//
//   VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<VlmModel> m, BuildVlm(exp.model(), regs, seed));
//   VLMLAB_ASSIGN_OR_RETURN(std::vector<std::string> notes, ApplyModuleInits(*m, exp.model()));
//
// Per part: the file (platform/weights/checkpoint_files.h) is read; its tensors are named as
// the part's parameters by `naming` (VLMLAB: those under `prefix`, the prefix removed; a
// Hugging Face naming: the part's plugin maps them, Plugin::ImportWeights); every parameter
// must be there with its shape, and nothing else (Hugging Face tensors the plugin has no use
// for, e.g. a CLIP text tower, are listed in the notes); a non-finite value is an error naming
// the tensor. bf16 and f16 files load into the f32 parameters. Errors start with
// "model.<part>.init: <path>:". The notes say what was loaded and converted.
#ifndef VLMLAB_PLATFORM_MODEL_MODULE_INIT_H_
#define VLMLAB_PLATFORM_MODEL_MODULE_INIT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/model/vlm_model.h"
#include "platform/spec/experiment.pb.h"

namespace vlmlab {

absl::StatusOr<std::vector<std::string>> ApplyModuleInits(VlmModel& model, const Model& spec);

// One module (a plugin outside the model, e.g. the frozen teacher encoder of masked-image
// modelling) loaded from `init` as a model part is; `part` names it in errors
// ("stages[mim].mim.teacher"). Notes on what was loaded are appended to `notes`.
absl::Status InitModuleFromCheckpoint(const std::string& part, const ModuleInit& init,
                                      nn::Module& module, const Plugin& plugin,
                                      std::vector<std::string>* notes);

}  // namespace vlmlab

#endif  // VLMLAB_PLATFORM_MODEL_MODULE_INIT_H_
