#include "platform/train/checkpoint.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"
#include "platform/base/atomic_file.h"
#include "platform/base/file_io.h"
#include "platform/base/status_macros.h"
#include "platform/weights/finite_check.h"
#include "platform/weights/safetensors.h"

namespace vlmlab::train {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kLatest[] = "LATEST";
constexpr char kPrefix[] = "ckpt-";

int64_t BytesOf(const nn::TensorMap& m) {
  int64_t n = 0;
  for (const auto& [name, t] : m) n += t.numel() * static_cast<int64_t>(DTypeSize(t.dtype()));
  return n;
}

json StateToJson(const CheckpointState& s) {
  json extra = json::parse(s.extra_json, nullptr, /*allow_exceptions=*/false);
  if (extra.is_discarded()) extra = json::object();
  return json{{"stage_index", s.stage_index}, {"stage_name", s.stage_name},
              {"stage_step", s.stage_step},   {"stage_done", s.stage_done},
              {"global_step", s.global_step}, {"data_position", s.data_position},
              {"spec_hash", s.spec_hash},     {"extra", extra}};
}

absl::StatusOr<CheckpointState> StateFromJson(const std::string& path, const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::DataLossError(absl::StrCat(path, ": not a JSON object; the checkpoint is damaged"));
  }
  CheckpointState s;
  try {
    s.stage_index = j.at("stage_index").get<int>();
    s.stage_name = j.at("stage_name").get<std::string>();
    s.stage_step = j.at("stage_step").get<int64_t>();
    s.stage_done = j.at("stage_done").get<bool>();
    s.global_step = j.at("global_step").get<int64_t>();
    s.data_position = j.at("data_position").get<std::string>();
    s.spec_hash = j.at("spec_hash").get<std::string>();
    s.extra_json = j.value("extra", json::object()).dump();
  } catch (const json::exception& e) {
    return absl::DataLossError(absl::StrCat(path, ": ", e.what(), "; the checkpoint is damaged"));
  }
  return s;
}

std::vector<std::string> CheckpointNames(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string n = e.path().filename().string();
    if (n.rfind(kPrefix, 0) == 0 && n.find('.') == std::string::npos) names.push_back(n);
  }
  std::sort(names.begin(), names.end());  // zero-padded steps sort numerically
  return names;
}

}  // namespace

absl::Status SaveCheckpoint(const std::string& dir, const CheckpointState& state,
                            const nn::TensorMap& model, const optim::OptimizerState& optimizer,
                            int keep) {
  VLMLAB_RETURN_IF_ERROR(CheckWritableDirectory(dir));
  // Room for the new checkpoint plus slack; the old ones are removed only afterwards.
  int64_t need = BytesOf(model) + BytesOf(optimizer.tensors) + (1 << 20);
  struct statvfs vfs;
  if (statvfs(dir.c_str(), &vfs) == 0) {
    int64_t free_bytes = static_cast<int64_t>(vfs.f_bavail) * static_cast<int64_t>(vfs.f_frsize);
    if (free_bytes < need) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "checkpoint of ", need, " bytes does not fit in ", dir, " (", free_bytes,
          " bytes free); free space or point runtime.output_dir elsewhere"));
    }
  }
  std::string name = absl::StrFormat("%s%08d", kPrefix, state.global_step);
  fs::path final_dir = fs::path(dir) / name;
  fs::path partial = fs::path(dir) / (name + ".partial");
  std::error_code ec;
  fs::remove_all(partial, ec);
  fs::create_directories(partial, ec);
  if (ec) return absl::InternalError(absl::StrCat(partial.string(), ": ", ec.message()));

  VLMLAB_RETURN_IF_ERROR(weights::WriteSafetensors((partial / "model.safetensors").string(), model,
                                                   {{"format", "vlmlab"}}));
  json counts = {{"step", optimizer.step}, {"param_steps", optimizer.param_steps}};
  VLMLAB_RETURN_IF_ERROR(
      weights::WriteSafetensors((partial / "optimizer.safetensors").string(), optimizer.tensors,
                                {{"format", "vlmlab"}, {"counts", counts.dump()}}));
  VLMLAB_RETURN_IF_ERROR(
      WriteFileAtomically((partial / "state.json").string(), StateToJson(state).dump(2)));
  if (fs::exists(final_dir)) fs::remove_all(final_dir, ec);
  fs::rename(partial, final_dir, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot rename ", partial.string(), " to ", final_dir.string(), ": ",
                     ec.message()));
  }
  VLMLAB_RETURN_IF_ERROR(WriteFileAtomically((fs::path(dir) / kLatest).string(), name + "\n"));

  std::vector<std::string> names = CheckpointNames(dir);
  keep = std::max(keep, 1);
  for (size_t i = 0; i + keep < names.size(); ++i) {
    if (names[i] == name) continue;
    fs::remove_all(fs::path(dir) / names[i], ec);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<LoadedCheckpoint>> LoadLatestCheckpoint(const std::string& dir) {
  fs::path latest = fs::path(dir) / kLatest;
  if (!fs::exists(latest)) return std::optional<LoadedCheckpoint>();
  VLMLAB_ASSIGN_OR_RETURN(std::string name, ReadFileToString(latest.string(), 1 << 20));
  while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) name.pop_back();
  if (name.rfind(kPrefix, 0) != 0 || name.find('/') != std::string::npos) {
    return absl::DataLossError(absl::StrCat(latest.string(), " names \"", name,
                                            "\", not a checkpoint directory"));
  }
  LoadedCheckpoint out;
  out.path = (fs::path(dir) / name).string();
  if (!fs::is_directory(out.path)) {
    return absl::DataLossError(absl::StrCat(latest.string(), " points to ", out.path,
                                            ", which does not exist"));
  }
  VLMLAB_ASSIGN_OR_RETURN(std::string state_text, ReadFileToString(out.path + "/state.json", 64 << 20));
  VLMLAB_ASSIGN_OR_RETURN(out.state, StateFromJson(out.path + "/state.json", state_text));
  VLMLAB_ASSIGN_OR_RETURN(weights::SafetensorsFile model,
                          weights::ReadSafetensors(out.path + "/model.safetensors"));
  VLMLAB_RETURN_IF_ERROR(weights::CheckFinite(model.tensors, out.path + "/model.safetensors"));
  out.model = std::move(model.tensors);
  VLMLAB_ASSIGN_OR_RETURN(weights::SafetensorsFile opt,
                          weights::ReadSafetensors(out.path + "/optimizer.safetensors"));
  out.optimizer.tensors = std::move(opt.tensors);
  json counts = json::parse(opt.metadata["counts"], nullptr, /*allow_exceptions=*/false);
  if (counts.is_discarded() || !counts.is_object()) {
    return absl::DataLossError(
        absl::StrCat(out.path, "/optimizer.safetensors: metadata \"counts\" is missing or damaged"));
  }
  try {
    out.optimizer.step = counts.at("step").get<int64_t>();
    out.optimizer.param_steps = counts.at("param_steps").get<std::map<std::string, int64_t>>();
  } catch (const json::exception& e) {
    return absl::DataLossError(absl::StrCat(out.path, "/optimizer.safetensors: ", e.what()));
  }
  return std::optional<LoadedCheckpoint>(std::move(out));
}

}  // namespace vlmlab::train
