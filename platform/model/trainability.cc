#include "platform/model/trainability.h"

#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/base/status_macros.h"
#include "platform/nn/embedding_layer.h"
#include "platform/nn/linear.h"
#include "platform/nn/lora.h"

namespace vlmlab {
namespace {

// text_tower is optional (model.text_tower).
constexpr const char* kParts[] = {"encoder", "projector", "fusion", "llm", "text_tower"};

const ModuleTraining* PartSpec(const TrainabilitySpec& spec, absl::string_view part) {
  if (part == "encoder") return spec.has_encoder() ? &spec.encoder() : nullptr;
  if (part == "projector") return spec.has_projector() ? &spec.projector() : nullptr;
  if (part == "fusion") return spec.has_fusion() ? &spec.fusion() : nullptr;
  if (part == "llm") return spec.has_llm() ? &spec.llm() : nullptr;
  if (part == "text_tower") return spec.has_text_tower() ? &spec.text_tower() : nullptr;
  return spec.has_embeddings() ? &spec.embeddings() : nullptr;
}

bool IsAdapterParameter(absl::string_view name) {
  return absl::EndsWith(name, ".lora_a") || absl::EndsWith(name, ".lora_b") ||
         absl::EndsWith(name, ".lora_magnitude") || name == "lora_a" || name == "lora_b" ||
         name == "lora_magnitude";
}

nn::LoraConfig LoraConfigFrom(const LoraSpec& s, uint64_t seed, absl::string_view part) {
  nn::LoraConfig c;
  c.rank = s.rank();
  c.alpha = s.alpha();
  c.dropout = s.dropout();
  c.dora = s.dora();
  c.seed = nn::ParameterSeed(seed, absl::StrCat("lora.", part));
  return c;
}

// Module paths (relative to "llm") of the embedding table and output head.
std::vector<std::string> EmbeddingModules(const nn::Module& llm, int64_t vocab) {
  std::vector<std::string> out;
  for (const auto& [path, m] : llm.NamedModules()) {
    if (auto* e = dynamic_cast<nn::Embedding*>(m)) {
      if (e->weight().size(0) == vocab && !absl::StrContains(path, "pos")) out.push_back(path);
    } else if (auto* l = dynamic_cast<nn::Linear*>(m)) {
      if (l->out_features() == vocab) out.push_back(path);
    } else if (auto* r = dynamic_cast<nn::LoraLinear*>(m)) {
      if (r->out_features() == vocab) out.push_back(path);
    }
  }
  return out;
}

void SetRequiresGrad(const Tensor& t, bool trainable) {
  Tensor handle = t;
  handle.set_requires_grad(trainable);
  if (!trainable) handle.zero_grad();
}

absl::Status InField(absl::string_view field, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat("trainable.", field, ": ", s.message()));
}

}  // namespace

std::vector<std::string> EmbeddingParameterNames(const VlmModel& model) {
  std::vector<std::string> names;
  nn::Module* llm = model.FindModule("llm");
  if (llm == nullptr) return names;
  std::set<std::string> modules;
  for (const std::string& m : EmbeddingModules(*llm, model.summary().llm_shape.vocab_size)) {
    modules.insert(m);
  }
  for (const auto& [name, t] : llm->NamedParameters()) {
    size_t dot = name.rfind('.');
    std::string owner = dot == std::string::npos ? "" : name.substr(0, dot);
    if (modules.count(owner) && !IsAdapterParameter(name)) names.push_back("llm." + name);
  }
  return names;
}

std::string TrainabilityReport::ToString() const {
  std::vector<std::string> parts_text;
  for (const PartTrainability& p : parts) {
    std::string s = absl::StrCat(p.part, " ", ModuleTraining::Mode_Name(p.mode), " ",
                                 p.trainable_parameters, "/", p.parameters);
    if (p.lora_modules > 0) absl::StrAppend(&s, " (", p.lora_modules, " lora)");
    parts_text.push_back(std::move(s));
  }
  return absl::StrJoin(parts_text, "; ");
}

absl::StatusOr<TrainabilityReport> ApplyTrainability(VlmModel& model, const TrainabilitySpec& spec,
                                                     uint64_t seed) {
  const int64_t vocab = model.summary().llm_shape.vocab_size;
  nn::Module* llm = model.FindModule("llm");
  if (llm == nullptr) return absl::FailedPreconditionError("trainability: the model has no llm");

  // Check everything that can be checked before changing anything.
  const ModuleTraining* emb_spec = PartSpec(spec, "embeddings");
  if (emb_spec != nullptr && emb_spec->mode() == ModuleTraining::LORA) {
    return absl::InvalidArgumentError(
        "trainable.embeddings.mode: LORA is not supported for the token embedding and output "
        "head; use FULL or FROZEN (LoRA on the llm leaves them frozen)");
  }
  std::vector<std::string> head_modules = EmbeddingModules(*llm, vocab);
  if (emb_spec != nullptr && head_modules.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("trainable.embeddings: the llm has no token embedding (nn::Embedding with ",
                     vocab, " rows) or output head (Linear with ", vocab, " outputs) to set"));
  }

  // LoRA plans, checked for every part before anything changes.
  struct Plan {
    const char* part = nullptr;
    nn::Module* module = nullptr;
    ModuleTraining::Mode mode = ModuleTraining::FULL;
    std::vector<std::string> patterns;
    nn::LoraConfig config;
    bool keep = false;  // the existing adapters are exactly what the spec asks for
  };
  std::vector<Plan> plans;
  for (const char* part : kParts) {
    Plan plan;
    plan.part = part;
    plan.module = model.FindModule(part);
    if (plan.module == nullptr && std::string(part) == "text_tower") {
      if (!spec.has_text_tower()) continue;
      return InField("text_tower", absl::FailedPreconditionError(
                                       "the model has no text tower (model.text_tower)"));
    }
    if (plan.module == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat("trainability: the model has no ", part));
    }
    const ModuleTraining* ps = PartSpec(spec, part);
    plan.mode = ps != nullptr ? ps->mode() : ModuleTraining::FULL;
    if (plan.mode == ModuleTraining::LORA) {
      plan.config = LoraConfigFrom(ps->lora(), seed, part);
      if (std::string(part) == "llm") plan.config.exclude = head_modules;
      const std::string prefix = absl::StrCat(part, ".");
      for (const std::string& p : ps->lora().target_modules()) {
        plan.patterns.push_back(absl::StartsWith(p, prefix) ? p.substr(prefix.size()) : p);
      }
      absl::StatusOr<nn::LoraTargets> targets =
          nn::FindLoraTargets(*plan.module, plan.patterns, plan.config);
      if (!targets.ok()) {
        return InField(
            absl::StrCat(part,
                         ps->lora().target_modules().empty() ? ".mode" : ".lora.target_modules"),
            targets.status());
      }
      std::vector<std::string> existing = nn::LoraModuleNames(*plan.module);
      plan.keep = targets->to_wrap.empty() && targets->wrapped == existing && !existing.empty();
      for (const std::string& path : existing) {
        auto* l = dynamic_cast<nn::LoraLinear*>(plan.module->FindModule(path));
        plan.keep = plan.keep && l != nullptr && l->config() == plan.config;
      }
    }
    plans.push_back(std::move(plan));
  }

  TrainabilityReport report;
  for (size_t i = 0; i < plans.size(); ++i) {
    const Plan& plan = plans[i];
    const char* part = plan.part;
    if (!plan.keep && !nn::LoraModuleNames(*plan.module).empty()) {
      absl::StatusOr<int> merged = nn::MergeLora(*plan.module);
      if (!merged.ok()) return InField(part, merged.status());
    }
    if (plan.mode == ModuleTraining::LORA && !plan.keep) {
      absl::StatusOr<int> n = nn::ApplyLora(*plan.module, plan.patterns, plan.config);
      if (!n.ok()) return InField(absl::StrCat(part, ".lora"), n.status());
    }
    for (const auto& [name, t] : plan.module->NamedParameters()) {
      bool trainable = plan.mode == ModuleTraining::FULL ||
                       (plan.mode == ModuleTraining::LORA && IsAdapterParameter(name));
      SetRequiresGrad(t, trainable);
    }
    PartTrainability p;
    p.part = part;
    p.mode = plan.mode;
    p.lora_modules = static_cast<int>(nn::LoraModuleNames(*plan.module).size());
    report.parts.push_back(p);
  }

  // Embeddings: their own mode, or the llm's (FROZEN under LORA).
  const ModuleTraining::Mode llm_mode = spec.has_llm() ? spec.llm().mode() : ModuleTraining::FULL;
  const ModuleTraining::Mode emb_mode =
      emb_spec != nullptr
          ? emb_spec->mode()
          : (llm_mode == ModuleTraining::FULL ? ModuleTraining::FULL : ModuleTraining::FROZEN);
  std::vector<std::string> emb_names = EmbeddingParameterNames(model);
  std::set<std::string> emb_set(emb_names.begin(), emb_names.end());
  nn::NamedTensors all = model.NamedParameters();
  for (const auto& [name, t] : all) {
    if (emb_set.count(name)) SetRequiresGrad(t, emb_mode == ModuleTraining::FULL);
  }

  // The report, from the final state.
  for (PartTrainability& p : report.parts) {
    const std::string prefix = p.part + ".";
    for (const auto& [name, t] : all) {
      if (!absl::StartsWith(name, prefix) || emb_set.count(name)) continue;
      p.parameters += t.numel();
      if (t.requires_grad()) p.trainable_parameters += t.numel();
    }
  }
  PartTrainability emb;
  emb.part = "embeddings";
  emb.mode = emb_mode;
  for (const auto& [name, t] : all) {
    if (!emb_set.count(name)) continue;
    emb.parameters += t.numel();
    if (t.requires_grad()) emb.trainable_parameters += t.numel();
  }
  report.parts.push_back(emb);
  for (const auto& [name, t] : all) {
    (t.requires_grad() ? report.trainable : report.frozen).push_back(name);
  }
  return report;
}

}  // namespace vlmlab
