#include "platform/runner/run_experiment.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/text_format.h"
#include "kernels/api/kernel_threads.h"
#include "nlohmann/json.hpp"
#include "platform/base/atomic_file.h"
#include "platform/base/file_io.h"
#include "platform/base/status_macros.h"
#include "platform/data/data_loader.h"
#include "platform/model/costs.h"
#include "platform/model/module_init.h"
#include "platform/model/trainability.h"
#include "platform/model/vlm_model.h"
#include "platform/optim/from_spec.h"
#include "platform/runner/compute_precision.h"
#include "platform/runner/data_setup.h"
#include "platform/runner/evaluation.h"
#include "platform/runner/progress.h"
#include "platform/spec/canonical.h"
#include "platform/spec/slot_resolver.h"
#include "platform/store/spec_fields.h"
#include "platform/store/store.h"
#include "platform/store/worker_identity.h"
#include "platform/train/checkpoint.h"
#include "platform/train/train_loop.h"

namespace vlmlab::runner {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Everything the stages and evaluators of one run share.
struct Run {
  const Experiment& exp;
  const PluginRegistries& registries;
  RunOptions options;
  std::string run_id, run_dir, hash;
  store::Store* db = nullptr;
  std::unique_ptr<VlmModel> model;
  // The stage being trained, created by ApplyStageStructure (which attaches its head).
  std::unique_ptr<Stage> stage;
  // Totals over the whole run, carried through checkpoints.
  double train_flops = 0;
  int64_t train_samples = 0;
  double train_seconds = 0;
  int64_t max_trainable = 0;
};

std::string CheckpointDir(const Run& run) { return run.run_dir + "/checkpoints"; }

json Totals(const Run& run) {
  return json{{"train_flops", run.train_flops},
              {"train_samples", run.train_samples},
              {"train_seconds", run.train_seconds},
              {"max_trainable", run.max_trainable}};
}

void RestoreTotals(Run& run, const std::string& extra_json) {
  json j = json::parse(extra_json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return;
  run.train_flops = j.value("train_flops", 0.0);
  run.train_samples = j.value("train_samples", int64_t{0});
  run.train_seconds = j.value("train_seconds", 0.0);
  run.max_trainable = j.value("max_trainable", int64_t{0});
}

// The analytic training FLOPs of one collated batch (3 x forward per sample).
double BatchTrainingFlops(const VlmModel& model, const data::Batch& batch) {
  const int64_t b = batch.size();
  if (b == 0) return 0;
  std::vector<int32_t> mask = batch.attention_mask.ToInts();
  int64_t real = 0;
  for (int32_t m : mask) real += m != 0;
  int64_t images = 0;
  for (int64_t n : batch.image_counts) images += n;
  ModelCosts costs = CountCosts(model);
  double per_sample_images = static_cast<double>(images) / b;
  int64_t text = std::max<int64_t>(
      0, real / b - static_cast<int64_t>(per_sample_images * costs.sequence_tokens_per_image));
  return b * TrainingFlopsPerSample(model, text, static_cast<int64_t>(per_sample_images + 0.5));
}

// Creates stage `index`, applies its trainability and attaches its head (Stage::BuildHead):
// the structure its checkpoints are written with.
absl::Status ApplyStageStructure(Run& run, int index) {
  const StageSpec& spec = run.exp.stages(index);
  const std::string where = absl::StrCat("stages[", spec.name(), "]");
  absl::StatusOr<std::unique_ptr<Stage>> stage = CreateFromSlot<Stage>(
      spec, run.registries, BuildContext{run.exp.seed(), &run.registries});
  VLMLAB_RETURN_IF_ERROR(Prefixed(stage.status(), where));
  run.stage = std::move(*stage);
  absl::StatusOr<TrainabilityReport> report =
      ApplyTrainability(*run.model, spec.trainable(), run.exp.seed() * 131 + index);
  VLMLAB_RETURN_IF_ERROR(Prefixed(report.status(), where));
  absl::StatusOr<std::unique_ptr<nn::Module>> head = run.stage->BuildHead(*run.model);
  VLMLAB_RETURN_IF_ERROR(Prefixed(head.status(), where));
  if (*head != nullptr) (*head)->Initialize(run.exp.seed() * 131 + index);
  const bool has_head = *head != nullptr;
  run.model->SetStageHead(std::move(*head));
  LOG(INFO) << "stage " << spec.name() << ": " << report->ToString()
            << (has_head ? absl::StrCat("; stage head ",
                                        run.model->stage_head()->NumParameters(), " parameters")
                         : std::string());
  const int64_t trainable = CountCosts(*run.model).trainable_parameters;
  if (trainable == 0) {
    // Backward would fail mid-stage with an opaque autograd error; say what is wrong instead.
    return absl::InvalidArgumentError(
        absl::StrCat("stages[", spec.name(),
                     "].trainable: every part of the model is FROZEN, so the stage "
                     "has nothing to train; unfreeze a part or remove the stage"));
  }
  run.max_trainable = std::max(run.max_trainable, trainable);
  return absl::OkStatus();
}

absl::Status RunStage(Run& run, int index, const train::LoadedCheckpoint* resume_from,
                      int64_t global_step_before) {
  const Experiment& exp = run.exp;
  const StageSpec& spec = exp.stages(index);
  const std::string where = absl::StrCat("stages[", spec.name(), "]");
  Stage* stage = run.stage.get();
  if (stage == nullptr) return absl::InternalError(absl::StrCat(where, ": stage not created"));
  StageDataPolicy policy = stage->DataPolicy();

  // Optimizer over the trainable parameters only: frozen ones get no state.
  absl::StatusOr<std::unique_ptr<optim::Optimizer>> optimizer =
      optim::BuildOptimizer(spec.optimizer(), run.model->NamedParameters(/*trainable_only=*/true));
  VLMLAB_RETURN_IF_ERROR(Prefixed(optimizer.status(), absl::StrCat(where, ".optimizer")));
  int64_t start_step = 0;
  const data::MixturePosition* data_resume = nullptr;
  data::MixturePosition position;
  if (resume_from != nullptr) {
    start_step = resume_from->state.stage_step;
    VLMLAB_RETURN_IF_ERROR(Prefixed((*optimizer)->LoadStateDict(resume_from->optimizer),
                                    absl::StrCat(resume_from->path, ": optimizer state")));
    absl::StatusOr<data::MixturePosition> parsed =
        data::MixturePosition::Parse(resume_from->state.data_position);
    VLMLAB_RETURN_IF_ERROR(Prefixed(parsed.status(), absl::StrCat(resume_from->path,
                                                                  ": data position")));
    position = *parsed;
    data_resume = &position;
  }
  StageContext stage_context{spec.name(), run.run_dir + "/stages/" + spec.name(),
                             resume_from != nullptr, start_step * spec.grad_accum()};
  VLMLAB_RETURN_IF_ERROR(Prefixed(stage->Prepare(*run.model, stage_context), where));

  DatasetOpenOptions open;
  open.seed = exp.seed() * 7919 + index;
  open.shuffle = true;
  absl::StatusOr<std::unique_ptr<data::Mixture>> mixture =
      OpenMixture(exp, spec.mixture(), run.registries, open, /*cycle=*/true);
  VLMLAB_RETURN_IF_ERROR(Prefixed(mixture.status(), absl::StrCat(where, ".mixture")));
  VLMLAB_RETURN_IF_ERROR(Prefixed(run.model->SetImageSettings(StageImageSettings(spec)),
                                  absl::StrCat(where, ".image_size")));
  {
    const ModelSummary& m = run.model->summary();
    LOG(INFO) << "stage " << spec.name() << ": images at " << m.encoder_input.size << " px, "
              << m.visual_tokens.tokens << " visual tokens per image tensor"
              << (spec.image_splitting()
                      ? absl::StrCat(", split into up to ", spec.max_tiles_per_side(), " x ",
                                     spec.max_tiles_per_side(), " tiles plus a global view")
                      : std::string());
  }
  absl::StatusOr<data::LoaderOptions> loader_options =
      LoaderOptionsFor(*run.model, spec.batch_size(), policy);
  VLMLAB_RETURN_IF_ERROR(Prefixed(loader_options.status(), where));
  loader_options->packing = spec.packing();  // rows of the LLM's max_seq_len (chat.max_length)
  absl::StatusOr<std::unique_ptr<data::DataLoader>> loader = data::DataLoader::Create(
      std::move(*mixture), &run.model->tokenizer(), *loader_options, data_resume);
  VLMLAB_RETURN_IF_ERROR(Prefixed(loader.status(), absl::StrCat(where, ".mixture")));

  train::TrainLoopOptions lo;
  lo.stage_name = spec.name();
  lo.steps = spec.steps();
  lo.start_step = start_step;
  lo.grad_accum = spec.grad_accum();
  lo.max_grad_norm = spec.max_grad_norm();
  lo.schedule = optim::ScheduleFromSpec(spec.schedule(), spec.optimizer().lr(), spec.steps());
  lo.log_every = spec.log_every();
  lo.checkpoint_every = spec.checkpoint_every();

  Progress progress(spec.name(), start_step, spec.steps(), run.options.interactive);
  run.model->SetTraining(true);
  auto started = std::chrono::steady_clock::now();
  double seconds_before = run.train_seconds;
  absl::Status st = train::TrainLoop(lo).Run(
      **optimizer,
      [&]() -> absl::StatusOr<train::MicroResult> {
        VLMLAB_ASSIGN_OR_RETURN(std::optional<data::Batch> batch, (*loader)->Next());
        if (!batch.has_value()) {
          return absl::OutOfRangeError(absl::StrCat(where, ": the data mixture '",
                                                    spec.mixture(), "' ended"));
        }
        VLMLAB_ASSIGN_OR_RETURN(StageLoss loss, stage->Loss(*run.model, *batch));
        run.train_flops +=
            loss.flops > 0 ? loss.flops : BatchTrainingFlops(*run.model, *batch);
        run.train_samples += loss.samples;
        return train::MicroResult{loss.loss, loss.samples, loss.metrics};
      },
      [&](const train::StepRecord& r) -> absl::Status {
        progress.Update(r);
        std::vector<store::ScalarPoint> points;
        absl::Time now = absl::Now();
        auto add = [&](const std::string& key, double value) {
          points.push_back({run.run_id, spec.name(), r.step, key, value, now});
        };
        add("loss", r.loss);
        add("lr", r.lr);
        add("grad_norm", r.grad_norm);
        add("samples_per_s", r.samples_per_s);
        for (const auto& [k, v] : r.metrics) add(k, v);
        return run.db->AppendScalars(points);
      },
      [&](int64_t step) -> absl::Status {
        run.train_seconds =
            seconds_before +
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        train::CheckpointState cs;
        cs.stage_index = index;
        cs.stage_name = spec.name();
        cs.stage_step = step;
        cs.stage_done = step == spec.steps();
        cs.global_step = global_step_before + step;
        cs.data_position = (*loader)->position().ToString();
        cs.spec_hash = run.hash;
        cs.extra_json = Totals(run).dump();
        return train::SaveCheckpoint(CheckpointDir(run), cs, run.model->StateDict(),
                                     (*optimizer)->StateDict());
      });
  progress.Finish();
  data::LoaderStats stats = (*loader)->stats();
  if (stats.skipped > 0 || stats.dropped_too_long > 0) {
    LOG(WARNING) << where << ": skipped " << stats.skipped << " bad samples and dropped "
                 << stats.dropped_too_long << " whose images did not fit max_seq_len";
  }
  return st;
}

absl::Status RunEvaluators(Run& run, RunOutcome* outcome) {
  EvaluationOptions o;
  o.run_id = run.run_id;
  o.predictions_dir = run.run_dir + "/predictions";
  o.metrics_path = run.run_dir + "/metrics.json";
  o.interactive = run.options.interactive;
  VLMLAB_ASSIGN_OR_RETURN(std::vector<EvaluatorResult> results,
                          EvaluateModel(run.exp, *run.model, run.registries, *run.db, o));
  for (const EvaluatorResult& r : results) {
    for (const auto& [key, m] : r.metrics) outcome->metrics[absl::StrCat(r.name, "/", key)] = m;
  }
  return absl::OkStatus();
}

// Everything after the run is claimed; an error here marks the run failed.
absl::Status RunClaimed(Run& run, RunOutcome* outcome) {
  const Experiment& exp = run.exp;
  int threads = run.options.threads >= 0 ? run.options.threads : exp.runtime().threads();
  SetKernelThreads(threads);
  if (exp.runtime().backend() != Runtime::CPU) {
    return absl::UnimplementedError(
        "runtime.backend: only CPU runs are implemented by `vlmlab run` so far");
  }
  // bf16 where the machine has no fast bf16 matmul is an error now, never a silent f32 run.
  VLMLAB_ASSIGN_OR_RETURN(ops::MatmulPrecision precision, PrecisionForRuntime(exp.runtime()));
  ops::ScopedMatmulPrecision precision_scope(precision);
  if (precision == ops::MatmulPrecision::kBF16) {
    LOG(INFO) << "runtime.dtype BF16: matmul and convolution inputs in bf16 with f32 "
                 "accumulation; attention scores, norms and loss in f32; weights and optimizer "
                 "state f32";
  }
  // Evaluator settings that cannot work fail now, not after training.
  VLMLAB_RETURN_IF_ERROR(CheckEvaluators(exp, {}, run.registries));

  absl::StatusOr<std::unique_ptr<VlmModel>> model = BuildVlm(exp.model(), run.registries,
                                                            exp.seed());
  VLMLAB_RETURN_IF_ERROR(model.status());
  run.model = std::move(*model);
  ModelCosts costs = CountCosts(*run.model);
  LOG(INFO) << "model: " << run.model->summary().ToString() << "; " << costs.ToString();

  absl::StatusOr<std::optional<train::LoadedCheckpoint>> checkpoint =
      train::LoadLatestCheckpoint(CheckpointDir(run));
  VLMLAB_RETURN_IF_ERROR(checkpoint.status());
  if (checkpoint->has_value() && !run.options.resume) {
    return absl::FailedPreconditionError(absl::StrCat(
        CheckpointDir(run), " already holds checkpoints of this run: pass --resume to continue "
                            "it, or delete the directory to start over"));
  }
  int first_stage = 0;
  int64_t global_step = 0;
  const train::LoadedCheckpoint* resume_in_stage = nullptr;
  if (checkpoint->has_value()) {
    const train::LoadedCheckpoint& ck = **checkpoint;
    if (ck.state.spec_hash != run.hash) {
      return absl::FailedPreconditionError(absl::StrCat(
          ck.path, " belongs to spec ", ck.state.spec_hash, ", not this one (", run.hash,
          "); use another output_dir or run id"));
    }
    if (ck.state.stage_index < 0 || ck.state.stage_index >= exp.stages_size() ||
        exp.stages(ck.state.stage_index).name() != ck.state.stage_name) {
      return absl::FailedPreconditionError(
          absl::StrCat(ck.path, " is for stage '", ck.state.stage_name,
                       "', which this experiment does not have at that position"));
    }
    // Rebuild the structure (LoRA adapters) the checkpoint was written with, then load it.
    VLMLAB_RETURN_IF_ERROR(ApplyStageStructure(run, ck.state.stage_index));
    VLMLAB_RETURN_IF_ERROR(Prefixed(run.model->LoadStateDict(ck.model),
                                    absl::StrCat(ck.path, "/model.safetensors")));
    RestoreTotals(run, ck.state.extra_json);
    global_step = ck.state.global_step;
    first_stage = ck.state.stage_index + (ck.state.stage_done ? 1 : 0);
    if (!ck.state.stage_done) resume_in_stage = &ck;
    LOG(INFO) << "resuming from " << ck.path << " (stage " << ck.state.stage_name << ", step "
              << ck.state.stage_step << ")";
  } else {
    // A fresh run: the parts' initial weights from their checkpoints (`init` blocks).
    absl::StatusOr<std::vector<std::string>> notes = ApplyModuleInits(*run.model, exp.model());
    VLMLAB_RETURN_IF_ERROR(notes.status());
    for (const std::string& n : *notes) LOG(INFO) << "init " << n;
  }

  for (int i = first_stage; i < exp.stages_size(); ++i) {
    if (resume_in_stage == nullptr) VLMLAB_RETURN_IF_ERROR(ApplyStageStructure(run, i));
    const train::LoadedCheckpoint* from = i == first_stage ? resume_in_stage : nullptr;
    int64_t before = global_step - (from != nullptr ? from->state.stage_step : 0);
    VLMLAB_RETURN_IF_ERROR(RunStage(run, i, from, before));
    global_step = before + exp.stages(i).steps();
    resume_in_stage = nullptr;
  }
  // Evaluation sees images as the final stage did (also when a resume had no stage left).
  if (exp.stages_size() > 0) {
    const StageSpec& last = exp.stages(exp.stages_size() - 1);
    VLMLAB_RETURN_IF_ERROR(Prefixed(run.model->SetImageSettings(StageImageSettings(last)),
                                    absl::StrCat("stages[", last.name(), "].image_size")));
  }
  store::RunCost cost;
  cost.parameters = costs.parameters;
  cost.trainable_parameters = run.max_trainable;
  // At the final stage's resolution, the one the model is evaluated at.
  cost.visual_tokens_per_image = CountCosts(*run.model).visual_tokens_per_image;
  cost.train_flops = run.train_flops;
  if (run.train_seconds > 0) cost.samples_per_second = run.train_samples / run.train_seconds;
  VLMLAB_RETURN_IF_ERROR(run.db->SetRunCost(run.run_id, cost));
  return RunEvaluators(run, outcome);
}

}  // namespace

absl::StatusOr<RunOutcome> RunExperiment(const Experiment& experiment, const RunOptions& options,
                                         const PluginRegistries& registries) {
  Run run{experiment, registries, options};
  run.hash = SpecHash(experiment);
  run.run_id = options.run_id.empty() ? absl::StrCat(run.hash, "-s", experiment.seed())
                                      : options.run_id;
  VLMLAB_RETURN_IF_ERROR(Prefixed(store::CheckRunId(run.run_id), "--run_id"));
  std::string output_dir =
      options.output_dir.empty() ? experiment.runtime().output_dir() : options.output_dir;
  run.run_dir = (fs::path(output_dir) / run.run_id).string();
  RunOutcome outcome;
  outcome.run_id = run.run_id;
  outcome.run_dir = run.run_dir;

  // Problems with the output directory or the store surface before any work is done.
  VLMLAB_RETURN_IF_ERROR(
      Prefixed(CheckWritableDirectory(run.run_dir),
               absl::StrCat(options.output_dir.empty() ? "runtime.output_dir" : "--output_dir",
                            " (", output_dir, ")")));
  VLMLAB_RETURN_IF_ERROR(
      WriteFileAtomically(run.run_dir + "/spec.textproto", CanonicalText(experiment)));
  // The canonical text leaves out unhashed fields (name, seed, runtime); `vlmlab eval` rebuilds
  // the run from the whole resolved experiment.
  std::string resolved;
  google::protobuf::TextFormat::PrintToString(experiment, &resolved);
  VLMLAB_RETURN_IF_ERROR(WriteFileAtomically(run.run_dir + "/experiment.textproto", resolved));
  std::string url = options.store_url.empty() ? experiment.runtime().store() : options.store_url;
  absl::StatusOr<std::unique_ptr<store::Store>> db = store::OpenStore(url);
  VLMLAB_RETURN_IF_ERROR(Prefixed(db.status(), absl::StrCat("store ", url)));
  run.db = db->get();

  store::RunDefinition def;
  def.id = run.run_id;
  def.sweep_id = options.sweep_id;
  def.variant = options.variant.empty() ? experiment.name() : options.variant;
  def.seed = static_cast<int64_t>(experiment.seed());
  def.spec_hash = run.hash;
  def.spec_text = CanonicalText(experiment);
  def.fields = store::SpecFields(experiment);
  VLMLAB_RETURN_IF_ERROR(run.db->UpsertRun(def));
  VLMLAB_ASSIGN_OR_RETURN(bool claimed, run.db->ClaimRun(run.run_id));
  if (!claimed) {
    // A run left "running" by a worker that is gone (killed, or the machine rebooted): take it
    // back, as the sweep does; --resume then continues from its checkpoints.
    VLMLAB_ASSIGN_OR_RETURN(store::RunRecord stale, run.db->GetRun(run.run_id));
    const std::optional<bool> alive = store::LocalWorkerAlive(stale.worker);
    if (stale.status == store::RunStatus::kRunning &&
        ((alive.has_value() && !*alive) || (!alive.has_value() && options.take_over))) {
      LOG(WARNING) << "run " << run.run_id << " was left running by worker " << stale.worker
                   << (alive.has_value() ? ", which is gone" : " on another host (--take_over)")
                   << "; taking it over";
      VLMLAB_RETURN_IF_ERROR(run.db->ResetRun(run.run_id));
      VLMLAB_ASSIGN_OR_RETURN(claimed, run.db->ClaimRun(run.run_id));
    }
  }
  if (!claimed) {
    VLMLAB_ASSIGN_OR_RETURN(store::RunRecord record, run.db->GetRun(run.run_id));
    if (record.status == store::RunStatus::kCompleted) {
      outcome.skipped = true;
      VLMLAB_ASSIGN_OR_RETURN(std::vector<store::MetricRecord> metrics,
                              run.db->Metrics({run.run_id}));
      for (const store::MetricRecord& m : metrics) {
        outcome.metrics[absl::StrCat(m.evaluator, "/", m.key)] =
            MetricValue{m.value, m.ci_low.value_or(m.value), m.ci_high.value_or(m.value),
                        m.n.value_or(0)};
      }
      return outcome;
    }
    const bool local = store::LocalWorkerPid(record.worker) > 0;
    return absl::FailedPreconditionError(absl::StrCat(
        "run ", run.run_id, " is being run by worker ", record.worker,
        local ? ", which is alive on this host; wait for it or stop it first"
              : " on another host; if that worker is gone, run again with --take_over"));
  }
  absl::Status st = RunClaimed(run, &outcome);
  if (!st.ok()) {
    absl::Status recorded = run.db->FailRun(run.run_id, st.ToString());
    if (!recorded.ok()) LOG(ERROR) << "could not record the failure: " << recorded;
    return st;
  }
  VLMLAB_RETURN_IF_ERROR(run.db->CompleteRun(run.run_id));
  return outcome;
}

}  // namespace vlmlab::runner
