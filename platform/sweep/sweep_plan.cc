#include "platform/sweep/sweep_plan.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/text_format.h"
#include "platform/base/status_macros.h"
#include "platform/spec/canonical.h"
#include "platform/spec/sweep.pb.h"
#include "platform/store/spec_fields.h"

namespace vlmlab::sweep {

absl::StatusOr<SweepPlan> PlanSweep(const LoadedSweep& loaded, const std::vector<SweepRun>& runs) {
  SweepPlan plan;
  Sweep resolved = loaded.sweep;
  *resolved.mutable_base_experiment() = loaded.base.experiment;  // replaces a `base` path
  Sweep without_base = loaded.sweep;
  without_base.clear_base_spec();
  plan.sweep.name = loaded.sweep.name();
  plan.sweep.id = absl::StrCat(loaded.sweep.name(), "-", SpecHash(resolved));
  plan.sweep.spec_text = CanonicalText(without_base);
  for (const SweepRun& r : runs) {
    PlannedRun p;
    p.experiment = r.experiment;
    store::RunDefinition& d = p.definition;
    d.id = absl::StrCat(r.hash, "-s", r.seed);
    d.sweep_id = plan.sweep.id;
    d.variant = r.name;
    d.seed = static_cast<int64_t>(r.seed);
    d.spec_hash = r.hash;
    d.spec_text = CanonicalText(r.experiment);
    d.fields = store::SpecFields(r.experiment);
    p.run_dir = (std::filesystem::path(r.experiment.runtime().output_dir()) / d.id).string();
    p.spec_path = (std::filesystem::path(p.run_dir) / "run.textproto").string();
    plan.runs.push_back(std::move(p));
  }
  return plan;
}

absl::StatusOr<std::string> CommonStoreUrl(const SweepPlan& plan) {
  std::set<std::string> urls;
  for (const PlannedRun& r : plan.runs) urls.insert(r.experiment.runtime().store());
  if (urls.size() > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the runs of sweep '", plan.sweep.name, "' name different stores in runtime.store (",
        absl::StrJoin(urls, ", "), "); give one with --store"));
  }
  if (urls.empty()) return std::string(Runtime().store());
  return *urls.begin();
}

absl::Status RegisterSweep(store::Store& store, const SweepPlan& plan) {
  VLMLAB_RETURN_IF_ERROR(store.EnsureSweep(plan.sweep));
  for (const PlannedRun& r : plan.runs) VLMLAB_RETURN_IF_ERROR(store.UpsertRun(r.definition));
  return absl::OkStatus();
}

std::string RunSpecText(const SweepPlan& plan, const PlannedRun& run) {
  std::string body;
  google::protobuf::TextFormat::Printer printer;
  printer.SetExpandAny(true);
  printer.PrintToString(run.experiment, &body);
  return absl::StrCat("# proto-file: platform/spec/experiment.proto\n",
                      "# proto-message: vlmlab.Experiment\n", "#\n",
                      "# Written by `vlmlab sweep` for sweep ", plan.sweep.id, ", variant '",
                      run.definition.variant, "', seed ", run.definition.seed,
                      ": the complete spec of run ", run.definition.id, ".\n", body);
}

absl::Status WriteRunSpecs(const SweepPlan& plan) {
  for (const PlannedRun& r : plan.runs) {
    std::error_code ec;
    std::filesystem::create_directories(r.run_dir, ec);
    if (ec) {
      return absl::PermissionDeniedError(absl::StrCat("cannot create run directory ", r.run_dir,
                                                      " (runtime.output_dir of run ",
                                                      r.definition.id, "): ", ec.message()));
    }
    std::string tmp = absl::StrCat(r.spec_path, ".tmp");
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << RunSpecText(plan, r);
      if (!out.flush()) {
        return absl::PermissionDeniedError(absl::StrCat("cannot write ", tmp));
      }
    }
    std::filesystem::rename(tmp, r.spec_path, ec);
    if (ec) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot write ", r.spec_path, ": ", ec.message()));
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> WorkerArgv(const SweepPlan& plan, const PlannedRun& run,
                                    const WorkerArgvOptions& options) {
  std::vector<std::string> argv = {options.program,
                                   "run",
                                   run.spec_path,
                                   absl::StrCat("--run_id=", run.definition.id),
                                   absl::StrCat("--sweep_id=", plan.sweep.id),
                                   absl::StrCat("--variant=", run.definition.variant),
                                   absl::StrCat("--store=", options.store_url),
                                   absl::StrCat("--threads=", options.threads),
                                   "--resume"};
  if (!options.plugin_libs.empty()) {
    argv.push_back(absl::StrCat("--plugin_lib=", absl::StrJoin(options.plugin_libs, ",")));
  }
  return argv;
}

std::vector<WorkerCommand> WorkerCommands(const SweepPlan& plan, const WorkerArgvOptions& options) {
  std::vector<WorkerCommand> cmds;
  for (const PlannedRun& r : plan.runs) {
    WorkerCommand cmd{r.definition.id,
                      absl::StrCat(r.definition.variant, " seed ", r.definition.seed),
                      WorkerArgv(plan, r, options), r.run_dir};
    for (const StageSpec& stage : r.experiment.stages()) {
      cmd.stages.push_back(StagePlan{stage.name(), stage.steps()});
    }
    cmds.push_back(std::move(cmd));
  }
  return cmds;
}

int DefaultThreadsPerWorker(int workers, int cores) {
  if (workers < 1) workers = 1;
  return std::max(1, cores / workers);
}

}  // namespace vlmlab::sweep
