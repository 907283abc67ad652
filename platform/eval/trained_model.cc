#include "platform/eval/trained_model.h"

#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "glog/logging.h"
#include "nlohmann/json.hpp"
#include "platform/base/file_io.h"
#include "platform/base/status_macros.h"
#include "platform/model/trainability.h"
#include "platform/spec/canonical.h"
#include "platform/weights/finite_check.h"
#include "platform/weights/safetensors.h"

namespace vlmlab::eval {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kForms[] =
    "give a run directory (experiment.textproto and checkpoints/, as `vlmlab run` writes it), its "
    "checkpoints/ directory (with LATEST), one ckpt-* directory (model.safetensors, "
    "state.json) or a .safetensors file";

bool IsFile(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

bool IsDir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

// The specs saved in run directory `run_dir`.
void SpecsIn(const fs::path& run_dir, TrainedRunPaths* out) {
  out->run_dir = run_dir.string();
  fs::path resolved = run_dir / "experiment.textproto", canonical = run_dir / "spec.textproto";
  out->experiment_path = IsFile(resolved) ? resolved.string() : "";
  out->spec_path = IsFile(canonical) ? canonical.string() : "";
}

absl::StatusOr<train::CheckpointState> ReadState(const std::string& ckpt_dir) {
  const std::string path = ckpt_dir + "/state.json";
  VLMLAB_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    return absl::DataLossError(absl::StrCat(path, ": not a JSON object; the checkpoint is damaged"));
  }
  train::CheckpointState s;
  try {
    s.stage_index = j.at("stage_index").get<int>();
    s.stage_name = j.at("stage_name").get<std::string>();
    s.stage_step = j.at("stage_step").get<int64_t>();
    s.global_step = j.value("global_step", int64_t{0});
    s.spec_hash = j.value("spec_hash", std::string());
  } catch (const json::exception& e) {
    return absl::DataLossError(absl::StrCat(path, ": ", e.what(), "; the checkpoint is damaged"));
  }
  return s;
}

}  // namespace

absl::StatusOr<TrainedRunPaths> LocateTrainedRun(const std::string& path) {
  fs::path p = fs::path(path).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();  // "runs/r1/" -> "runs/r1"
  std::error_code ec;
  if (!fs::exists(p, ec)) {
    return absl::NotFoundError(absl::StrCat(path, " does not exist; ", kForms));
  }
  TrainedRunPaths out;
  if (IsFile(p)) {
    if (!absl::EndsWith(path, ".safetensors")) {
      return absl::InvalidArgumentError(absl::StrCat(path, " is a file but not .safetensors; ",
                                                     kForms));
    }
    out.checkpoint = path;
    return out;
  }
  if (IsFile(p / "model.safetensors") && IsFile(p / "state.json")) {  // ckpt-*
    out.checkpoint = path;
    const fs::path parent = p.parent_path();
    if (parent.filename() == "checkpoints") SpecsIn(parent.parent_path(), &out);
    return out;
  }
  if (IsFile(p / "LATEST") || p.filename() == "checkpoints") {
    out.checkpoint = path;
    SpecsIn(p.parent_path(), &out);
    return out;
  }
  if (IsDir(p / "checkpoints") || IsFile(p / "spec.textproto") ||
      IsFile(p / "experiment.textproto")) {
    SpecsIn(p, &out);
    out.run_dir = path;
    out.checkpoint = (p / "checkpoints").string();
    return out;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(path, " holds no run, checkpoints or checkpoint; ", kForms));
}

absl::StatusOr<ModelWeights> ReadModelWeights(const std::string& checkpoint) {
  ModelWeights out;
  const fs::path p(checkpoint);
  if (IsFile(p)) {
    out.path = checkpoint;
    VLMLAB_ASSIGN_OR_RETURN(weights::SafetensorsFile f, weights::ReadSafetensors(checkpoint));
    VLMLAB_RETURN_IF_ERROR(weights::CheckFinite(f.tensors, checkpoint));
    out.tensors = std::move(f.tensors);
    return out;
  }
  std::string ckpt = checkpoint;
  if (!IsFile(p / "model.safetensors")) {
    // A checkpoints directory: LATEST names the newest complete checkpoint
    // (platform/train/checkpoint.h).
    const fs::path latest = p / "LATEST";
    if (!IsFile(latest)) {
      return absl::NotFoundError(absl::StrCat(
          "no checkpoint in ", checkpoint,
          " (no LATEST file): the run has not saved one yet; train it first (`vlmlab run`), or "
          "set checkpoint_every to save during a stage"));
    }
    VLMLAB_ASSIGN_OR_RETURN(std::string name, ReadFileToString(latest.string()));
    name = std::string(absl::StripAsciiWhitespace(name));
    if (!absl::StartsWith(name, "ckpt-") || absl::StrContains(name, "/")) {
      return absl::DataLossError(
          absl::StrCat(latest.string(), " names \"", name, "\", not a checkpoint directory"));
    }
    ckpt = (p / name).string();
    if (!IsDir(ckpt)) {
      return absl::DataLossError(
          absl::StrCat(latest.string(), " points to ", ckpt, ", which does not exist"));
    }
  }
  out.path = ckpt;
  VLMLAB_ASSIGN_OR_RETURN(out.state, ReadState(ckpt));
  VLMLAB_ASSIGN_OR_RETURN(weights::SafetensorsFile f,
                          weights::ReadSafetensors(ckpt + "/model.safetensors"));
  VLMLAB_RETURN_IF_ERROR(weights::CheckFinite(f.tensors, ckpt + "/model.safetensors"));
  out.tensors = std::move(f.tensors);
  return out;
}

absl::StatusOr<std::unique_ptr<VlmModel>> LoadTrainedModel(const Experiment& exp,
                                                          const ModelWeights& weights,
                                                          const PluginRegistries& registries) {
  absl::StatusOr<std::unique_ptr<VlmModel>> model = BuildVlm(exp.model(), registries, exp.seed());
  if (!model.ok()) {
    return absl::Status(model.status().code(),
                        absl::StrCat("experiment '", exp.name(), "': ", model.status().message()));
  }
  const std::string hash = SpecHash(exp);
  // Images are prepared as in the stage that wrote the weights (the final one without a state).
  const StageSpec* image_stage =
      exp.stages_size() > 0 ? &exp.stages(exp.stages_size() - 1) : nullptr;
  if (weights.state.has_value()) {
    const train::CheckpointState& st = *weights.state;
    if (st.stage_index < 0 || st.stage_index >= exp.stages_size() ||
        exp.stages(st.stage_index).name() != st.stage_name) {
      return absl::FailedPreconditionError(absl::StrCat(
          weights.path, " was saved in stage '", st.stage_name, "' (number ", st.stage_index,
          "), which experiment '", exp.name(),
          "' does not have at that position: evaluate with the experiment the run was trained "
          "with (its run directory's spec.textproto)"));
    }
    image_stage = &exp.stages(st.stage_index);
    // The adapters (LoRA / DoRA) the checkpoint's stage added, so that their weights load.
    absl::StatusOr<TrainabilityReport> report =
        ApplyTrainability(**model, exp.stages(st.stage_index).trainable(),
                          exp.seed() * 131 + st.stage_index);
    if (!report.ok()) {
      return absl::Status(report.status().code(),
                          absl::StrCat("stages[", st.stage_name, "].trainable: ",
                                       report.status().message()));
    }
    if (!st.spec_hash.empty() && st.spec_hash != hash) {
      LOG(INFO) << weights.path << " was written for spec " << st.spec_hash
                << "; evaluating it with spec " << hash
                << " (the parameters are checked by name and shape)";
    }
  }
  if (image_stage != nullptr) {
    absl::Status set = (*model)->SetImageSettings(StageImageSettings(*image_stage));
    if (!set.ok()) {
      return absl::Status(set.code(), absl::StrCat("experiment '", exp.name(), "', stages[",
                                                   image_stage->name(), "]: ", set.message()));
    }
  }
  // A stage's training-only head (masked-image modelling) is not part of the evaluated model.
  absl::Status loaded = (*model)->LoadStateDict(WithoutStageHead(weights.tensors));
  if (!loaded.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the checkpoint ", weights.path, " does not fit the model of experiment '", exp.name(),
        "' (spec ", hash,
        weights.state.has_value() && !weights.state->spec_hash.empty()
            ? absl::StrCat("; the checkpoint was written for spec ", weights.state->spec_hash)
            : std::string(),
        "): ", loaded.message(),
        ". Evaluate with the experiment the run was trained with (its run directory's "
        "spec.textproto), changing only evaluators, data and runtime"));
  }
  return model;
}

}  // namespace vlmlab::eval
