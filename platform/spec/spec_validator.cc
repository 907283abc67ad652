#include "platform/spec/spec_validator.h"

#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "platform/plugin_api/pipeline_plugins.h"
#include "platform/spec/annotations.pb.h"
#include "platform/spec/closest_match.h"
#include "platform/spec/field_path.h"
#include "platform/spec/model_summary.h"
#include "platform/spec/slot_resolver.h"

namespace vlmlab {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

absl::Status SpecProblems::ToStatus() const {
  if (problems_.empty()) return absl::OkStatus();
  std::vector<std::string> lines;
  for (const SpecProblem& p : problems_) {
    lines.push_back(p.path.empty() ? absl::StrCat(p.location, ": ", p.message)
                                   : absl::StrCat(p.location, ": ", p.path, ": ", p.message));
  }
  return absl::InvalidArgumentError(absl::StrJoin(lines, "\n"));
}

namespace {

using Reporter = std::function<void(const FieldPath&, const std::string&)>;

double NumericValue(const Message& m, const FieldDescriptor* f, int index) {
  const Reflection* r = m.GetReflection();
  bool rep = index >= 0;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f);
    case FieldDescriptor::CPPTYPE_INT64:
      return static_cast<double>(rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f));
    case FieldDescriptor::CPPTYPE_UINT32:
      return rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f);
    case FieldDescriptor::CPPTYPE_UINT64:
      return static_cast<double>(rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f);
    default:
      return 0;
  }
}

bool IsNumeric(const FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
    case FieldDescriptor::CPPTYPE_FLOAT:
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return true;
    default:
      return false;
  }
}

std::string Num(double v) { return absl::StrFormat("%g", v); }

std::string HelpSuffix(const FieldDescriptor* f) {
  return f->options().HasExtension(help) ? absl::StrCat(" (", f->options().GetExtension(help), ")")
                                         : "";
}

class Walker {
 public:
  Walker(const PluginRegistries& registries, Reporter report)
      : registries_(registries),
        report_([this, report = std::move(report)](const FieldPath& p, const std::string& m) {
          ++reported_;
          report(p, m);
        }) {}

  void Walk(const Message& msg, const FieldPath& path) {
    const int reported_before = reported_;
    const Descriptor* desc = msg.GetDescriptor();
    const Reflection* r = msg.GetReflection();
    for (int i = 0; i < desc->field_count(); ++i) {
      const FieldDescriptor* f = desc->field(i);
      FieldPath fpath = path;
      fpath.push_back({f, -1});
      bool set = f->is_repeated() ? r->FieldSize(msg, f) > 0 : r->HasField(msg, f);
      if (!set) {
        if (f->options().GetExtension(required)) {
          report_(fpath, absl::StrCat("required but not set", HelpSuffix(f)));
        }
        continue;
      }
      if (IsNumeric(f)) CheckRange(msg, f, fpath);
      if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
      if (f->message_type()->full_name() == "google.protobuf.Any") continue;
      if (!f->is_repeated()) {
        Walk(r->GetMessage(msg, f), fpath);
        continue;
      }
      const FieldDescriptor* key = MergeKeyField(f->message_type());
      std::map<std::string, int> seen;
      for (int j = 0; j < r->FieldSize(msg, f); ++j) {
        FieldPath epath = path;
        epath.push_back({f, j});
        if (key != nullptr) {
          std::string k = ElementKey(msg, f, j);
          auto [it, inserted] = seen.emplace(k, j);
          if (!inserted && !k.empty()) {
            report_(epath, absl::StrCat("two elements of ", f->name(), " have ", key->name(), " '",
                                        k, "' (positions ", it->second, " and ", j, "); ",
                                        key->name(), "s must be unique"));
          }
        }
        Walk(r->GetRepeatedMessage(msg, f, j), epath);
      }
    }
    // A plugin's own validator runs only on options that passed the schema's checks, so one
    // mistake is reported once.
    if (SlotKind(desc).has_value()) CheckSlot(msg, path, reported_ == reported_before);
  }

 private:
  void CheckRange(const Message& msg, const FieldDescriptor* f, const FieldPath& fpath) {
    const auto& o = f->options();
    if (!o.HasExtension(min) && !o.HasExtension(max) && !o.HasExtension(gt)) return;
    int n = f->is_repeated() ? msg.GetReflection()->FieldSize(msg, f) : 1;
    for (int j = 0; j < n; ++j) {
      double v = NumericValue(msg, f, f->is_repeated() ? j : -1);
      FieldPath p = fpath;
      if (f->is_repeated()) p.back().index = j;
      if (o.HasExtension(min) && v < o.GetExtension(min)) {
        report_(p, absl::StrCat("must be at least ", Num(o.GetExtension(min)), ", got ", Num(v),
                                HelpSuffix(f)));
      } else if (o.HasExtension(max) && v > o.GetExtension(max)) {
        report_(p, absl::StrCat("must be at most ", Num(o.GetExtension(max)), ", got ", Num(v),
                                HelpSuffix(f)));
      } else if (o.HasExtension(gt) && !(v > o.GetExtension(gt))) {
        report_(p, absl::StrCat("must be greater than ", Num(o.GetExtension(gt)), ", got ", Num(v),
                                HelpSuffix(f)));
      }
    }
  }

  void CheckSlot(const Message& slot, const FieldPath& path, bool run_plugin_validator) {
    absl::StatusOr<ResolvedSlot> resolved = ResolveSlot(slot, registries_);
    if (!resolved.ok()) {
      FieldPath at = path;
      const google::protobuf::OneofDescriptor* oneof =
          slot.GetDescriptor()->FindOneofByName("plugin");
      const FieldDescriptor* chosen =
          oneof ? slot.GetReflection()->GetOneofFieldDescriptor(slot, oneof) : nullptr;
      if (chosen != nullptr) at.push_back({chosen, -1});
      if (chosen != nullptr && chosen->name() == "external") {
        at.push_back({chosen->message_type()->FindFieldByName("name"), -1});
      }
      report_(at, std::string(resolved.status().message()));
      return;
    }
    FieldPath options_path = path;
    options_path.push_back({resolved->selected, -1});
    Reporter report = report_;
    if (resolved->owned != nullptr) {
      // External options live in an Any: walk them on their own and report under the slot.
      FieldPath any_path = options_path;
      any_path.push_back({resolved->selected->message_type()->FindFieldByName("options"), -1});
      const Message* options = resolved->owned.get();
      Reporter outer = report_;
      report = [outer, any_path, options](const FieldPath& rel, const std::string& message) {
        outer(any_path,
              rel.empty() ? message : absl::StrCat(FormatPath(*options, rel), ": ", message));
      };
      Walker external(registries_, report);
      external.Walk(*resolved->owned, {});
      run_plugin_validator = run_plugin_validator && external.reported_ == 0;
      options_path.clear();
    }
    if (!run_plugin_validator || !resolved->entry->validate) return;
    ValidationContext ctx;
    resolved->entry->validate(*resolved->options, ctx);
    for (const FieldError& e : ctx.errors()) {
      FieldPath p = options_path;
      std::string message = e.message;
      absl::StatusOr<std::vector<PathSegment>> segs = ParsePathText(e.path);
      absl::StatusOr<FieldPath> rel = segs.ok() ? ResolvePath(*resolved->options, *segs)
                                                : absl::StatusOr<FieldPath>(segs.status());
      if (rel.ok()) {
        p.insert(p.end(), rel->begin(), rel->end());
      } else if (!e.path.empty()) {
        message = absl::StrCat(e.path, ": ", message);
      }
      report(p, message);
    }
  }

  const PluginRegistries& registries_;
  int reported_ = 0;
  Reporter report_;
};

void CheckReferences(const Experiment& exp, const Reporter& report) {
  std::set<std::string> mixtures;
  std::vector<std::string> names;
  for (const DataMixture& d : exp.data()) {
    mixtures.insert(d.name());
    names.push_back(d.name());
  }
  const Descriptor* e = Experiment::descriptor();
  std::string known = names.empty() ? "the experiment defines no data mixtures"
                                    : absl::StrCat("defined: ", absl::StrJoin(names, ", "));
  // Reports `path` when `mixture` names no data mixture of the experiment.
  auto check_mixture = [&](const FieldPath& path, const std::string& mixture) {
    if (mixtures.count(mixture) != 0) return;
    report(path, absl::StrCat("no data mixture named '", mixture, "'",
                              DidYouMean(mixture, names), "; ", known));
  };
  for (int i = 0; i < exp.stages_size(); ++i) {
    const StageSpec& s = exp.stages(i);
    if (s.has_mixture()) {
      check_mixture({{e->FindFieldByName("stages"), i},
                     {StageSpec::descriptor()->FindFieldByName("mixture"), -1}},
                    s.mixture());
    }
  }
  for (int i = 0; i < exp.stages_size(); ++i) {
    const StageSpec& s = exp.stages(i);
    if (s.packing() && s.has_dpo()) {
      report({{e->FindFieldByName("stages"), i},
              {StageSpec::descriptor()->FindFieldByName("packing"), -1}},
             "dpo compares the log-probabilities of whole rows (chosen, rejected), so its "
             "samples cannot be packed; remove packing: true from this stage");
    }
  }
  const Descriptor* ed = EvaluatorSpec::descriptor();
  for (int i = 0; i < exp.evaluators_size(); ++i) {
    const EvaluatorSpec& ev = exp.evaluators(i);
    auto at = [&](const char* field) -> FieldPath {
      return {{e->FindFieldByName("evaluators"), i}, {ed->FindFieldByName(field), -1}};
    };
    if (ev.has_data()) check_mixture(at("data"), ev.data());
    if (!ev.baseline_data().empty()) check_mixture(at("baseline_data"), ev.baseline_data());
    if (!ev.shots_data().empty()) {
      check_mixture(at("shots_data"), ev.shots_data());
    } else if (ev.shots() > 0) {
      report(at("shots_data"),
             absl::StrCat("required when shots > 0 (shots is ", ev.shots(),
                          "); name a data mixture to draw the demonstrations from, e.g. the "
                          "training mixture (",
                          known, "), or set shots: 0"));
    }
  }
  for (int i = 0; i < exp.data_size(); ++i) {
    if (exp.data(i).components_size() == 0) {
      report({{e->FindFieldByName("data"), i}},
             "a data mixture needs at least one component { dataset { ... } }");
    }
  }
  const std::string& store = exp.runtime().store();
  if (absl::StrContains(store, "://") && !absl::StartsWith(store, "postgresql://") &&
      !absl::StartsWith(store, "postgres://")) {
    report({{e->FindFieldByName("runtime"), -1},
            {Runtime::descriptor()->FindFieldByName("store"), -1}},
           absl::StrCat("store '", store,
                        "' is neither a file path (SQLite) nor a postgresql:// URL"));
  }
}

// Fields whose feature is not built yet: accepted, they would change nothing and an ablation
// over them would report a difference of zero. Each is refused until it takes effect.
void RefuseUnimplemented(const Experiment& exp, const Reporter& report) {
  const Descriptor* e = Experiment::descriptor();
  if (exp.runtime().backend() != Runtime::CPU) {
    report({{e->FindFieldByName("runtime"), -1},
            {Runtime::descriptor()->FindFieldByName("backend"), -1}},
           absl::StrCat("the ", Runtime::Backend_Name(exp.runtime().backend()),
                        " backend is not implemented yet (vlmlab runs on the CPU through "
                        "oneDNN); remove backend or set CPU"));
  }
}

// The parts' `init` blocks: the checkpoint must exist, and `prefix` belongs to VLMLAB naming
// (a Hugging Face naming maps the whole file).
void CheckModuleInits(const Experiment& exp, const Reporter& report) {
  const Descriptor* e = Experiment::descriptor();
  const Descriptor* m = Model::descriptor();
  const Descriptor* init = ModuleInit::descriptor();
  struct Part {
    const char* field;
    bool has;
    const ModuleInit* spec;
  };
  const Model& model = exp.model();
  const Part parts[] = {{"encoder", model.encoder().has_init(), &model.encoder().init()},
                        {"projector", model.projector().has_init(), &model.projector().init()},
                        {"llm", model.llm().has_init(), &model.llm().init()},
                        {"text_tower.transformer", model.text_tower().transformer().has_init(),
                         &model.text_tower().transformer().init()}};
  const FieldDescriptor* tower = m->FindFieldByName("text_tower");
  for (const Part& part : parts) {
    if (!part.has) continue;
    // "text_tower.transformer": the slot inside model.text_tower.
    const bool in_tower = absl::StartsWith(part.field, "text_tower.");
    const FieldDescriptor* slot =
        in_tower ? tower->message_type()->FindFieldByName("transformer")
                 : m->FindFieldByName(part.field);
    const FieldDescriptor* init_field = slot->message_type()->FindFieldByName("init");
    auto at = [&](const char* field) -> FieldPath {
      FieldPath path = {{e->FindFieldByName("model"), -1}};
      if (in_tower) path.push_back({tower, -1});
      path.push_back({slot, -1});
      path.push_back({init_field, -1});
      path.push_back({init->FindFieldByName(field), -1});
      return path;
    };
    std::error_code ec;
    if (!part.spec->path().empty() && !std::filesystem::exists(part.spec->path(), ec)) {
      report(at("path"), absl::StrCat("no file or directory '", part.spec->path(),
                                      "' (paths are relative to the directory vlmlab runs in)"));
    }
    if (part.spec->naming() != ModuleInit::VLMLAB && !part.spec->prefix().empty()) {
      report(at("prefix"), absl::StrCat("prefix applies to VLMLAB naming only; ",
                                        ModuleInit::Naming_Name(part.spec->naming()),
                                        " maps the whole file: remove prefix"));
    }
  }
}

// image_splitting and its grid limit: the limit means nothing without splitting, and a
// native-resolution encoder takes whole images of any shape instead of tiles.
void CheckImageSplitting(const Experiment& exp, const ModelSummary& summary,
                         const Reporter& report) {
  const Descriptor* e = Experiment::descriptor();
  const Descriptor* sd = StageSpec::descriptor();
  for (int i = 0; i < exp.stages_size(); ++i) {
    const StageSpec& stage = exp.stages(i);
    if (!stage.image_splitting() && stage.has_max_tiles_per_side()) {
      report({{e->FindFieldByName("stages"), i}, {sd->FindFieldByName("max_tiles_per_side"), -1}},
             "max_tiles_per_side has no effect without image_splitting: set "
             "image_splitting: true or remove it");
    }
    if (stage.image_splitting() && summary.encoder_input.native_resolution) {
      report({{e->FindFieldByName("stages"), i}, {sd->FindFieldByName("image_splitting"), -1}},
             absl::StrCat("encoder '", summary.encoder,
                          "' takes images at their native resolution, which tiles of a fixed "
                          "size would defeat; remove image_splitting or native_resolution"));
    }
  }
}

// What a stage plugin says it needs of the model and its data (StageDataPolicy): a text tower
// for contrastive training, whole single images.
void CheckStageNeeds(const Experiment& exp, const PluginRegistries& registries,
                     const Reporter& report) {
  const Descriptor* e = Experiment::descriptor();
  const Descriptor* sd = StageSpec::descriptor();
  for (int i = 0; i < exp.stages_size(); ++i) {
    const StageSpec& stage = exp.stages(i);
    absl::StatusOr<std::unique_ptr<Stage>> plugin =
        CreateFromSlot<Stage>(stage, registries, BuildContext{exp.seed(), &registries});
    if (!plugin.ok()) continue;  // the slot's own problems are reported by the walk
    const StageDataPolicy policy = (*plugin)->DataPolicy();
    absl::StatusOr<ResolvedSlot> name = ResolveSlot(stage, registries);
    const std::string kind = name.ok() ? name->name : "this";
    if (policy.needs_text_tower && !exp.model().has_text_tower()) {
      report({{e->FindFieldByName("stages"), i}},
             absl::StrCat("the ", kind, " stage embeds captions with model.text_tower, which "
                          "the model does not have; add e.g. text_tower { transformer { gpt2 { "
                          "hidden: 64 layers: 2 heads: 4 max_seq_len: 64 } } } to the model"));
    }
    if (policy.whole_single_images && stage.image_splitting()) {
      report({{e->FindFieldByName("stages"), i}, {sd->FindFieldByName("image_splitting"), -1}},
             absl::StrCat("the ", kind, " stage takes one whole image per sample; remove "
                          "image_splitting from this stage"));
    }
  }
}

// Shared evaluator settings the evaluator plugin does not read (Evaluator::SettingsUsed).
void CheckEvaluatorSettings(const Experiment& exp, const PluginRegistries& registries,
                            const Reporter& report) {
  const Descriptor* e = Experiment::descriptor();
  const Descriptor* ed = EvaluatorSpec::descriptor();
  for (int i = 0; i < exp.evaluators_size(); ++i) {
    const EvaluatorSpec& ev = exp.evaluators(i);
    absl::StatusOr<std::unique_ptr<Evaluator>> plugin =
        CreateFromSlot<Evaluator>(ev, registries, BuildContext{exp.seed(), &registries});
    if (!plugin.ok()) continue;  // the slot's own problems are reported by the walk
    const EvaluatorSettingsUsed used = (*plugin)->SettingsUsed();
    absl::StatusOr<ResolvedSlot> name = ResolveSlot(ev, registries);
    const std::string kind = name.ok() ? name->name : "this";
    auto refuse = [&](const char* field, const std::string& why) {
      report({{e->FindFieldByName("evaluators"), i}, {ed->FindFieldByName(field), -1}},
             absl::StrCat("the ", kind, " evaluator ", why, "; remove ", field));
    };
    if (!used.generation && ev.has_generation()) refuse("generation", "generates nothing");
    if (!used.shots) {
      if (ev.has_shots()) refuse("shots", "shows no demonstrations");
      if (ev.has_shots_data()) refuse("shots_data", "shows no demonstrations");
      if (ev.has_shots_pool()) refuse("shots_pool", "shows no demonstrations");
    }
    if (!used.baseline_data && ev.has_baseline_data()) {
      refuse("baseline_data", "computes no baseline from training answers");
    }
  }
}

// A stage image_size other than the encoder's (rising resolution): the model must fit at that
// size too; each stage is checked as the run will set it (VlmModel::SetImageSettings).
void CheckStageImageSizes(const Experiment& exp, const ModelSummary& summary,
                          const PluginRegistries& registries, const Reporter& report) {
  const Descriptor* e = Experiment::descriptor();
  for (int i = 0; i < exp.stages_size(); ++i) {
    const int32_t size = exp.stages(i).image_size();
    if (size <= 0 || size == summary.encoder_input.size) continue;
    std::string part;
    absl::StatusOr<ModelSummary> at =
        SummarizeModel(exp.model(), registries, BuildContext{exp.seed(), &registries}, &part, size);
    if (at.ok()) continue;
    report({{e->FindFieldByName("stages"), i},
            {StageSpec::descriptor()->FindFieldByName("image_size"), -1}},
           absl::StrCat("at image_size ", size, " (the encoder's is ", summary.encoder_input.size,
                        "), model.", part, ": ", at.status().message()));
  }
}

}  // namespace

void ValidateSpecMessage(const Message& root, const SpecSources& sources,
                         const PluginRegistries& registries, SpecProblems* problems) {
  Walker(registries, [&](const FieldPath& path, const std::string& message) {
    problems->Add({sources.Locate(root, path), FormatPath(root, path), message});
  }).Walk(root, {});
}

absl::Status ValidateExperiment(const LoadedExperiment& loaded,
                                const PluginRegistries& registries) {
  const Experiment& exp = loaded.experiment;
  SpecProblems problems;
  ValidateSpecMessage(exp, loaded.sources, registries, &problems);
  Reporter report = [&](const FieldPath& path, const std::string& message) {
    problems.Add({loaded.sources.Locate(exp, path), FormatPath(exp, path), message});
  };
  CheckReferences(exp, report);
  RefuseUnimplemented(exp, report);
  CheckModuleInits(exp, report);
  CheckStageNeeds(exp, registries, report);
  CheckEvaluatorSettings(exp, registries, report);
  if (problems.empty()) {
    std::string part;
    absl::StatusOr<ModelSummary> summary =
        SummarizeModel(exp.model(), registries, BuildContext{exp.seed(), &registries}, &part);
    if (!summary.ok()) {
      // `part` is a field of Model, or a dotted path below one ("text_tower.transformer").
      FieldPath path = {{Experiment::descriptor()->FindFieldByName("model"), -1}};
      const Descriptor* in = Model::descriptor();
      for (absl::string_view field : absl::StrSplit(part, '.', absl::SkipEmpty())) {
        const FieldDescriptor* f = in == nullptr ? nullptr : in->FindFieldByName(std::string(field));
        if (f == nullptr) break;
        path.push_back({f, -1});
        in = f->message_type();
      }
      report(path, std::string(summary.status().message()));
    } else {
      CheckStageImageSizes(exp, *summary, registries, report);
      CheckImageSplitting(exp, *summary, report);
    }
  }
  return problems.ToStatus();
}

}  // namespace vlmlab
