#include "platform/runner/evaluate_checkpoint.h"

#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "kernels/api/kernel_threads.h"
#include "platform/base/status_macros.h"
#include "platform/eval/trained_model.h"
#include "platform/ops/precision.h"
#include "platform/runner/compute_precision.h"
#include "platform/spec/canonical.h"
#include "platform/spec/overrides.h"
#include "platform/spec/spec_loader.h"
#include "platform/spec/spec_validator.h"
#include "platform/spec/text_parse.h"
#include "platform/store/spec_fields.h"
#include "platform/store/store.h"
#include "platform/store/worker_identity.h"

namespace vlmlab::eval {
namespace {

namespace fs = std::filesystem;

constexpr char kDefaultStore[] = "runs/vlmlab.sqlite";

// Where the target's pieces are, and what the store knows of it.
struct Target {
  TrainedRunPaths paths;
  std::string run_id;  // from the store or the run directory's name
  // The store's record of a run given by id: its canonical spec text and its fields (which,
  // unlike the canonical text, hold the unhashed ones: name, seed, runtime.output_dir).
  std::optional<store::RunRecord> record;
  std::map<std::string, std::string> fields;
  std::string spec_source;
};

// The canonical spec (spec.textproto, the store's spec text) leaves out the unhashed fields;
// they come back from the store's fields of the run, else from the run id.
void RestoreUnhashed(const Target& t, Experiment* exp) {
  auto field = [&](const std::string& path) -> std::string {
    auto it = t.fields.find(path);
    return it == t.fields.end() ? "" : it->second;
  };
  if (exp->name().empty()) {
    exp->set_name(!field("name").empty()       ? field("name")
                  : t.record.has_value()        ? t.record->variant
                                                : t.run_id);
  }
  if (!exp->has_seed()) {
    if (t.record.has_value()) {
      exp->set_seed(static_cast<uint64_t>(t.record->seed));
    } else {
      LOG(WARNING) << t.paths.spec_path
                   << " does not record the seed (runs of older versions saved no "
                      "experiment.textproto); evaluating with seed 0 (bootstrap and k-shot "
                      "draws)";
    }
  }
  if (!exp->runtime().has_output_dir() && !field("runtime.output_dir").empty()) {
    exp->mutable_runtime()->set_output_dir(field("runtime.output_dir"));
  }
  if (!exp->runtime().has_store() && !field("runtime.store").empty()) {
    exp->mutable_runtime()->set_store(field("runtime.store"));
  }
}

absl::StatusOr<Target> FindTarget(const EvalCheckpointRequest& r) {
  Target t;
  std::error_code ec;
  if (fs::exists(r.target, ec)) {
    VLMLAB_ASSIGN_OR_RETURN(t.paths, LocateTrainedRun(r.target));
    if (!t.paths.run_dir.empty()) {
      fs::path dir = fs::path(t.paths.run_dir).lexically_normal();
      if (dir.filename().empty()) dir = dir.parent_path();
      t.run_id = dir.filename().string();
    }
    return t;
  }
  if (absl::StrContains(r.target, "/") || r.target.empty()) {
    return absl::NotFoundError(absl::StrCat(
        r.target, " does not exist; give a run directory, checkpoint, .safetensors file or the "
                  "id of a run in the store"));
  }
  // A run id: its spec is in the store.
  std::string url = r.store_url;
  if (url.empty() && !r.experiment_path.empty()) {
    absl::StatusOr<LoadedExperiment> exp = LoadExperimentFile(r.experiment_path);
    if (exp.ok()) url = exp->experiment.runtime().store();
  }
  if (url.empty()) url = kDefaultStore;
  absl::StatusOr<std::unique_ptr<store::Store>> db = store::OpenStore(url);
  VLMLAB_RETURN_IF_ERROR(Prefixed(db.status(), absl::StrCat("store ", url)));
  absl::StatusOr<store::RunRecord> run = (*db)->GetRun(r.target);
  if (!run.ok()) {
    return absl::NotFoundError(absl::StrCat(
        r.target, " is neither a path nor a run of store ", (*db)->url(), " (",
        run.status().message(), "); pass the run directory, or --store with the run's store"));
  }
  t.run_id = run->id;
  t.spec_source = absl::StrCat("store ", (*db)->url(), ", run ", run->id);
  VLMLAB_ASSIGN_OR_RETURN(std::vector<store::RunField> fields, (*db)->RunFields({run->id}));
  for (const store::RunField& f : fields) t.fields[f.path] = f.value;
  t.record = std::move(*run);
  std::string output_dir = t.fields.count("runtime.output_dir") ? t.fields["runtime.output_dir"]
                                                                : Runtime().output_dir();
  const fs::path run_dir = fs::path(output_dir) / t.run_id;
  if (!fs::is_directory(run_dir, ec)) {
    return absl::NotFoundError(absl::StrCat(
        "run ", t.run_id, " has no directory at ", run_dir.string(),
        " (runtime.output_dir / run id, relative to where `vlmlab run` ran): run `vlmlab eval` "
        "from there, or pass the run directory"));
  }
  VLMLAB_ASSIGN_OR_RETURN(t.paths, LocateTrainedRun(run_dir.string()));
  return t;
}

absl::StatusOr<Experiment> LoadSpec(const EvalCheckpointRequest& r, const Target& t,
                                    const PluginRegistries& registries) {
  LoadedExperiment loaded;
  if (!r.experiment_path.empty() || !t.paths.experiment_path.empty()) {
    const std::string& path =
        !r.experiment_path.empty() ? r.experiment_path : t.paths.experiment_path;
    VLMLAB_ASSIGN_OR_RETURN(loaded, LoadExperimentFile(path, r.overrides));
  } else if (!t.paths.spec_path.empty()) {
    VLMLAB_ASSIGN_OR_RETURN(loaded, LoadExperimentFile(t.paths.spec_path, r.overrides));
    RestoreUnhashed(t, &loaded.experiment);
  } else if (t.record.has_value()) {
    VLMLAB_RETURN_IF_ERROR(
        ParseTextProto(t.record->spec_text, t.spec_source, &loaded.experiment));
    for (const std::string& o : r.overrides) {
      VLMLAB_RETURN_IF_ERROR(Prefixed(ApplyOverride(o, &loaded.experiment), o));
    }
    RestoreUnhashed(t, &loaded.experiment);
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "no experiment for ", r.target,
        ": there is no experiment.textproto next to it; pass --experiment with the experiment "
        "the model was trained with"));
  }
  VLMLAB_RETURN_IF_ERROR(ValidateExperiment(loaded, registries));
  return loaded.experiment;
}

}  // namespace

absl::StatusOr<EvalCheckpointOutcome> EvaluateCheckpoint(const EvalCheckpointRequest& r,
                                                         const PluginRegistries& registries) {
  VLMLAB_ASSIGN_OR_RETURN(Target target, FindTarget(r));
  EvalCheckpointOutcome out;
  VLMLAB_ASSIGN_OR_RETURN(out.experiment, LoadSpec(r, target, registries));
  const Experiment& exp = out.experiment;
  // Settings that cannot work fail before the model is loaded.
  VLMLAB_RETURN_IF_ERROR(runner::CheckEvaluators(exp, r.evaluators, registries));
  if (exp.runtime().backend() != Runtime::CPU) {
    return absl::UnimplementedError(
        "runtime.backend: only CPU evaluation is implemented by `vlmlab eval` so far");
  }
  SetKernelThreads(r.threads >= 0 ? r.threads : exp.runtime().threads());
  VLMLAB_ASSIGN_OR_RETURN(ops::MatmulPrecision precision,
                          runner::PrecisionForRuntime(exp.runtime()));
  ops::ScopedMatmulPrecision precision_scope(precision);

  out.run_id = !r.run_id.empty()       ? r.run_id
               : !target.run_id.empty() ? target.run_id
                                        : absl::StrCat(SpecHash(exp), "-s", exp.seed());
  if (absl::Status id = store::CheckRunId(out.run_id); !id.ok()) {
    return absl::Status(id.code(), absl::StrCat("--run_id: ", id.message()));
  }
  out.run_dir = target.paths.run_dir;
  const std::string run_dir =
      !out.run_dir.empty() ? out.run_dir
                           : (fs::path(exp.runtime().output_dir()) / out.run_id).string();
  out.predictions_dir = !r.predictions_dir.empty() ? r.predictions_dir : run_dir + "/predictions";
  out.metrics_path = !r.predictions_dir.empty() ? r.predictions_dir + "/metrics.json"
                                                : run_dir + "/metrics.json";

  absl::StatusOr<ModelWeights> weights = ReadModelWeights(target.paths.checkpoint);
  VLMLAB_RETURN_IF_ERROR(weights.status());
  out.checkpoint = weights->path;
  VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<VlmModel> model,
                          LoadTrainedModel(exp, *weights, registries));
  weights->tensors.clear();
  LOG(INFO) << "evaluating " << out.checkpoint << " as run " << out.run_id;

  const std::string url = !r.store_url.empty() ? r.store_url : exp.runtime().store();
  absl::StatusOr<std::unique_ptr<store::Store>> db = store::OpenStore(url);
  VLMLAB_RETURN_IF_ERROR(Prefixed(db.status(), absl::StrCat("store ", url)));
  absl::StatusOr<store::RunRecord> known = (*db)->GetRun(out.run_id);
  bool added = false;
  if (!known.ok()) {
    if (known.status().code() != absl::StatusCode::kNotFound) return known.status();
    // A run this store has not seen (another store, a copied directory): record it from its
    // spec, so that its evaluation has a run to belong to.
    store::RunDefinition def;
    def.id = out.run_id;
    def.variant = exp.name();
    def.seed = static_cast<int64_t>(exp.seed());
    def.spec_hash = SpecHash(exp);
    def.spec_text = CanonicalText(exp);
    def.fields = store::SpecFields(exp);
    VLMLAB_RETURN_IF_ERROR((*db)->UpsertRun(def));
    VLMLAB_ASSIGN_OR_RETURN(added, (*db)->ClaimRun(out.run_id));
  }
  runner::EvaluationOptions o;
  o.interactive = r.interactive;
  o.run_id = out.run_id;
  o.evaluators = r.evaluators;
  o.predictions_dir = out.predictions_dir;
  o.metrics_path = out.metrics_path;
  absl::StatusOr<std::vector<runner::EvaluatorResult>> results =
      runner::EvaluateModel(exp, *model, registries, **db, o);
  if (!results.ok()) {
    if (added) {
      absl::Status failed = (*db)->FailRun(out.run_id, results.status().ToString());
      if (!failed.ok()) LOG(ERROR) << "could not record the failure: " << failed;
    }
    return results.status();
  }
  if (added) VLMLAB_RETURN_IF_ERROR((*db)->CompleteRun(out.run_id));
  out.results = std::move(*results);
  return out;
}

}  // namespace vlmlab::eval
