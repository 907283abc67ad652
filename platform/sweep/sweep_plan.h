// What `vlmlab sweep` registers and launches for a sweep file: the sweep's store record, each
// run's definition (id "<spec hash>-s<seed>", variant, seed, canonical spec text, spec fields),
// its run directory <runtime.output_dir>/<run id>/ and the complete spec its worker runs, and
// the worker command line (`vlmlab run <run dir>/run.textproto --run_id ... --resume`).
//
//   VLMLAB_ASSIGN_OR_RETURN(LoadedSweep loaded, LoadSweepFile(path));
//   VLMLAB_ASSIGN_OR_RETURN(std::vector<SweepRun> runs, ExpandSweep(loaded, GlobalRegistries()));
//   VLMLAB_ASSIGN_OR_RETURN(sweep::SweepPlan plan, sweep::PlanSweep(loaded, runs));
//   VLMLAB_RETURN_IF_ERROR(sweep::RegisterSweep(*store, plan));
//   VLMLAB_RETURN_IF_ERROR(sweep::WriteRunSpecs(plan));
//   std::vector<sweep::WorkerCommand> cmds = sweep::WorkerCommands(plan, argv_options);
//
// The sweep id is "<name>-<hash>", the hash covering the sweep and its resolved base: editing
// either makes a new sweep record, and the runs (whose ids do not depend on the sweep) move to
// it; completed runs stay completed. The record's spec text is the canonical text of the sweep
// without its base (so it always parses back as a Sweep; see report/run_selection.h).
#ifndef VLMLAB_PLATFORM_SWEEP_SWEEP_PLAN_H_
#define VLMLAB_PLATFORM_SWEEP_SWEEP_PLAN_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "platform/spec/experiment.pb.h"
#include "platform/spec/spec_loader.h"
#include "platform/spec/sweep_expander.h"
#include "platform/store/records.h"
#include "platform/store/store.h"
#include "platform/sweep/scheduler.h"

namespace vlmlab::sweep {

struct PlannedRun {
  store::RunDefinition definition;  // sweep_id set
  Experiment experiment;            // complete: name, seed, runtime included
  std::string run_dir;              // <runtime.output_dir>/<run id>
  std::string spec_path;            // <run_dir>/run.textproto
};

struct SweepPlan {
  store::SweepRecord sweep;
  std::vector<PlannedRun> runs;  // in expansion order
};

absl::StatusOr<SweepPlan> PlanSweep(const LoadedSweep& loaded, const std::vector<SweepRun>& runs);

// The store all runs name in runtime.store; an error listing them when they differ.
absl::StatusOr<std::string> CommonStoreUrl(const SweepPlan& plan);

// EnsureSweep, then UpsertRun for every run (statuses of known runs are kept).
absl::Status RegisterSweep(store::Store& store, const SweepPlan& plan);

// The file a run's worker is given: a header comment, then the complete experiment in text
// format (unlike the canonical text it keeps name, seed, output_dir and store).
std::string RunSpecText(const SweepPlan& plan, const PlannedRun& run);
// Writes RunSpecText to every run's spec_path, creating the run directories.
absl::Status WriteRunSpecs(const SweepPlan& plan);

struct WorkerArgvOptions {
  std::string program;                   // the vlmlab binary (/proc/self/exe resolved)
  std::string store_url;                 // passed as --store
  int threads = 1;                       // passed as --threads
  std::vector<std::string> plugin_libs;  // passed on as --plugin_lib
};

// {program, "run", spec_path, "--run_id=..", "--sweep_id=..", "--variant=..", "--store=..",
//  "--threads=..", "--resume"[, "--plugin_lib=a.so,b.so"]}
std::vector<std::string> WorkerArgv(const SweepPlan& plan, const PlannedRun& run,
                                    const WorkerArgvOptions& options);
std::vector<WorkerCommand> WorkerCommands(const SweepPlan& plan, const WorkerArgvOptions& options);

// Threads per worker when none are given: the cores divided among the workers, at least 1.
int DefaultThreadsPerWorker(int workers, int cores);

}  // namespace vlmlab::sweep

#endif  // VLMLAB_PLATFORM_SWEEP_SWEEP_PLAN_H_
