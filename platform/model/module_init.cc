#include "platform/model/module_init.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/base/status_macros.h"
#include "platform/weights/checkpoint_files.h"
#include "platform/weights/finite_check.h"

namespace vlmlab {
namespace {

// The key Plugin::ImportWeights understands for a Hugging Face naming.
std::string NamingKey(ModuleInit::Naming naming) {
  switch (naming) {
    case ModuleInit::HF_LLAMA:
      return "hf_llama";
    case ModuleInit::HF_CLIP_VISION:
      return "hf_clip_vision";
    case ModuleInit::HF_SIGLIP_VISION:
      return "hf_siglip_vision";
    case ModuleInit::HF_GPT2:
      return "hf_gpt2";
    default:
      return "vlmlab";
  }
}

// Up to `n` names, then how many more.
std::string SomeNames(const std::vector<std::string>& names, size_t n = 6) {
  std::vector<std::string> head(names.begin(), names.begin() + std::min(n, names.size()));
  std::string out = absl::StrJoin(head, ", ");
  if (names.size() > n) absl::StrAppend(&out, ", ... (", names.size() - n, " more)");
  return out;
}

// The part's tensors, named as its parameters, from the file's.
absl::StatusOr<nn::TensorMap> PartTensors(const ModuleInit& init, const Plugin& plugin,
                                          nn::TensorMap file, std::vector<std::string>* notes) {
  if (init.naming() != ModuleInit::VLMLAB) {
    return plugin.ImportWeights(NamingKey(init.naming()), file);
  }
  nn::TensorMap out;
  std::vector<std::string> others;
  for (auto& [name, t] : file) {
    if (absl::StartsWith(name, init.prefix())) {
      out.emplace(name.substr(init.prefix().size()), std::move(t));
    } else {
      others.push_back(name);
    }
  }
  if (out.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no tensor name starts with prefix \"", init.prefix(), "\" (the file holds ",
                     SomeNames(others), "); set init.prefix to this part's prefix in the file"));
  }
  if (!others.empty()) {
    notes->push_back(
        absl::StrCat(others.size(), " tensors outside prefix \"", init.prefix(), "\" left out"));
  }
  return out;
}

// Every parameter of `part` present with its shape, nothing unknown, every value finite.
absl::Status CheckTensors(const nn::Module& part, const nn::TensorMap& tensors) {
  const nn::TensorMap want = part.StateDict();
  std::vector<std::string> missing, unknown, shapes, non_finite;
  for (const auto& [name, t] : want) {
    auto it = tensors.find(name);
    if (it == tensors.end()) {
      missing.push_back(name);
    } else if (it->second.shape() != t.shape()) {
      shapes.push_back(absl::StrCat(name, " is ", ShapeString(it->second.shape()), " in the file, ",
                                    ShapeString(t.shape()), " in the model"));
    }
  }
  for (const auto& [name, t] : tensors) {
    if (!want.count(name)) unknown.push_back(name);
  }
  non_finite = weights::NonFiniteTensors(tensors);
  std::vector<std::string> problems;
  if (!missing.empty()) {
    std::string hint;  // the part's names under a longer prefix: say which
    for (const std::string& name : unknown) {
      if (name.size() > missing[0].size() && absl::EndsWith(name, "." + missing[0])) {
        hint = absl::StrCat(" (the file has them under \"",
                            name.substr(0, name.size() - missing[0].size()),
                            "\": add that to init.prefix)");
        break;
      }
    }
    problems.push_back(
        absl::StrCat(missing.size(), " parameters missing: ", SomeNames(missing), hint));
  }
  if (!shapes.empty()) problems.push_back(absl::StrJoin(shapes, "; "));
  if (!unknown.empty()) {
    problems.push_back(
        absl::StrCat(unknown.size(), " tensors the part does not have: ", SomeNames(unknown)));
  }
  if (!non_finite.empty()) {
    problems.push_back(
        absl::StrCat("non-finite values (NaN or infinity) in ", SomeNames(non_finite)));
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

}  // namespace

absl::Status InitModuleFromCheckpoint(const std::string& part, const ModuleInit& init,
                                      nn::Module& module, const Plugin& plugin,
                                      std::vector<std::string>* notes) {
  auto fail = [&](const absl::Status& s) {
    return absl::Status(s.code(), absl::StrCat(part, ".init: ", init.path(), ": ", s.message()));
  };
  absl::StatusOr<weights::SafetensorsFile> file = weights::ReadCheckpointTensors(init.path());
  if (!file.ok()) return fail(file.status());
  std::vector<std::string> part_notes = file->notes;
  absl::StatusOr<nn::TensorMap> tensors =
      PartTensors(init, plugin, std::move(file->tensors), &part_notes);
  if (!tensors.ok()) return fail(tensors.status());
  absl::Status checked = CheckTensors(module, *tensors);
  if (!checked.ok()) return fail(checked);
  const nn::TensorMap params = module.StateDict();
  for (auto& [name, t] : *tensors) {
    const DType want = params.at(name).dtype();
    if (t.dtype() != want) {
      part_notes.push_back(
          absl::StrCat(name, ": ", DTypeName(t.dtype()), " converted to ", DTypeName(want)));
      t = t.To(want);
    }
  }
  absl::Status loaded = module.LoadStateDict(*tensors, /*strict=*/true);
  if (!loaded.ok()) return fail(loaded);
  notes->push_back(absl::StrCat(part, ": ", tensors->size(), " tensors from ", init.path()));
  for (std::string& n : part_notes) notes->push_back(absl::StrCat(part, ": ", n));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ApplyModuleInits(VlmModel& model, const Model& spec) {
  std::vector<std::string> notes;
  if (spec.encoder().has_init()) {
    VLMLAB_ASSIGN_OR_RETURN(Encoder * e, model.encoder());
    VLMLAB_RETURN_IF_ERROR(
        InitModuleFromCheckpoint("model.encoder", spec.encoder().init(), *e, *e, &notes));
  }
  if (spec.projector().has_init()) {
    VLMLAB_ASSIGN_OR_RETURN(Projector * p, model.projector());
    VLMLAB_RETURN_IF_ERROR(
        InitModuleFromCheckpoint("model.projector", spec.projector().init(), *p, *p, &notes));
  }
  if (spec.llm().has_init()) {
    VLMLAB_ASSIGN_OR_RETURN(Llm * l, model.llm());
    VLMLAB_RETURN_IF_ERROR(
        InitModuleFromCheckpoint("model.llm", spec.llm().init(), *l, *l, &notes));
  }
  if (spec.text_tower().transformer().has_init()) {
    VLMLAB_ASSIGN_OR_RETURN(TextTower * tower, model.text_tower());
    Llm* text = tower->own_text();
    if (text == nullptr) {
      return absl::FailedPreconditionError(
          "model.text_tower.transformer: the text transformer was replaced by another module");
    }
    VLMLAB_RETURN_IF_ERROR(InitModuleFromCheckpoint("model.text_tower.transformer",
                                                    spec.text_tower().transformer().init(), *text,
                                                    *text, &notes));
  }
  return notes;
}

}  // namespace vlmlab
