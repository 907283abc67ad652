// `vlmlab sweep SWEEP [--workers N] [--store URL] [--threads T] [--limit K]
// [--status_every S] [--dry_run]`:
// expands a sweep, registers it and its runs in the results store, and runs every run that is
// not completed yet as `vlmlab run` worker processes, N at a time; then prints a summary and
// the ablation table. Re-running it resumes. docs/sweeps.md describes it.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <system_error>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "platform/base/atomic_file.h"
#include "platform/base/file_io.h"
#include "platform/cli/cli_flags.h"
#include "platform/cli/commands.h"
#include "platform/registry/global_registries.h"
#include "platform/report/ablation_table.h"
#include "platform/report/table_format.h"
#include "platform/spec/sweep_expander.h"
#include "platform/store/store.h"
#include "platform/sweep/scheduler.h"
#include "platform/sweep/slurm_script.h"
#include "platform/sweep/sweep_plan.h"

ABSL_FLAG(int32_t, workers, 1, "sweep: worker processes running at once");
ABSL_FLAG(int64_t, limit, -1, "sweep: start at most this many runs (-1: all)");
ABSL_FLAG(int32_t, status_every, 0,
          "sweep: seconds between status lines for the active runs (0: 10 on a terminal, 60 "
          "otherwise)");
ABSL_FLAG(bool, dry_run, false,
          "sweep: print the runs, their states and worker commands (with --launcher slurm: the "
          "sbatch script); run nothing");
ABSL_FLAG(std::string, launcher, "local",
          "sweep: local (worker processes here) or slurm (submit an sbatch --array job)");
ABSL_FLAG(std::string, slurm_partition, "", "sweep --launcher slurm: --partition");
ABSL_FLAG(std::string, slurm_time, "", "sweep --launcher slurm: --time per run, e.g. 01:00:00");
ABSL_FLAG(std::string, slurm_mem, "", "sweep --launcher slurm: --mem per run, e.g. 8G");
ABSL_FLAG(int32_t, slurm_max_parallel, 0,
          "sweep --launcher slurm: array tasks running at once (%N; 0: no limit)");
ABSL_FLAG(int32_t, slurm_cpus_per_task, 0,
          "sweep --launcher slurm: --cpus-per-task (0: the runs' thread count)");
ABSL_FLAG(std::string, slurm_job_name, "",
          "sweep --launcher slurm: --job-name (default vlmlab-SWEEP)");
ABSL_FLAG(std::vector<std::string>, slurm_extra, {},
          "sweep --launcher slurm: further sbatch options, comma-separated, e.g. --account=lab");

namespace vlmlab {
namespace {

constexpr char kSweepUsage[] =
    "usage: vlmlab sweep SWEEP [--workers N] [--store URL] [--threads T] [--limit K] "
    "[--status_every S] [--output_dir DIR] [--dry_run] [--launcher local|slurm "
    "[--slurm_partition P] [--slurm_time T] [--slurm_mem M] [--slurm_max_parallel N] "
    "[--slurm_cpus_per_task C] [--slurm_job_name J] [--slurm_extra OPT,...]]";

std::atomic<int> g_stop{0};

// First SIGINT/SIGTERM: stop launching and forward it; a second one: kill the workers.
extern "C" void OnStopSignal(int sig) {
  int expected = 0;
  if (!g_stop.compare_exchange_strong(expected, sig)) g_stop.store(SIGKILL);
}

class StopSignals {
 public:
  StopSignals() {
    g_stop = 0;
    struct sigaction sa = {};
    sa.sa_handler = OnStopSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ = {}, old_term_ = {};
};

std::string SelfPath() {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "/proc/self/exe" : p.string();
}

int Fail(const absl::Status& status) {
  PrintError(status);
  return 1;
}

// Runs `command` through the shell; its output (stdout and stderr) goes to *output.
absl::StatusOr<int> RunShell(const std::string& command, std::string* output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return absl::InternalError(absl::StrCat("cannot start: ", command));
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output->append(buffer, n);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

// --launcher slurm: the pending runs as one sbatch --array job.
int SubmitToSlurm(store::Store& db, const sweep::SweepPlan& plan,
                  const std::vector<sweep::WorkerCommand>& commands, int threads) {
  std::vector<sweep::WorkerCommand> pending;
  for (const sweep::WorkerCommand& c : commands) {
    absl::StatusOr<store::RunRecord> rec = db.GetRun(c.run_id);
    if (rec.ok() && rec->status == store::RunStatus::kCompleted) continue;
    pending.push_back(c);
  }
  if (pending.empty()) {
    std::cout << "nothing to submit: all " << commands.size() << " runs are completed\n";
    return 0;
  }
  sweep::SlurmOptions o;
  o.job_name = absl::GetFlag(FLAGS_slurm_job_name);
  o.partition = absl::GetFlag(FLAGS_slurm_partition);
  o.time = absl::GetFlag(FLAGS_slurm_time);
  o.mem = absl::GetFlag(FLAGS_slurm_mem);
  o.max_parallel = absl::GetFlag(FLAGS_slurm_max_parallel);
  const int cpus = absl::GetFlag(FLAGS_slurm_cpus_per_task);
  o.cpus_per_task = cpus > 0 ? cpus : std::max(threads, 1);
  o.extra = absl::GetFlag(FLAGS_slurm_extra);
  // The script and the jobs' logs sit beside the runs: <output_dir>/slurm/.
  const std::string slurm_dir =
      JoinPath(plan.runs.front().experiment.runtime().output_dir(), "slurm");
  o.log_dir = slurm_dir;
  std::error_code cwd_error;
  o.workdir = std::filesystem::current_path(cwd_error).string();
  if (absl::Status st = sweep::ValidateSlurmOptions(o); !st.ok()) {
    std::cerr << "vlmlab: error: " << st.message() << "\n" << kSweepUsage << "\n";
    return 2;
  }
  const std::string script = sweep::SlurmArrayScript(plan.sweep.name, pending, o);
  std::cout << pending.size() << " of " << commands.size()
            << " runs to submit (the others are completed)\n";
  if (absl::GetFlag(FLAGS_dry_run)) {
    std::cout << script;
    return 0;
  }
  if (absl::Status st = sweep::RegisterSweep(db, plan); !st.ok()) return Fail(st);
  if (absl::Status st = sweep::WriteRunSpecs(plan); !st.ok()) return Fail(st);
  std::error_code ec;
  std::filesystem::create_directories(slurm_dir, ec);
  if (ec) {
    return Fail(absl::FailedPreconditionError(
        absl::StrCat("cannot create ", slurm_dir, ": ", ec.message(), "; set --output_dir")));
  }
  const std::string path = JoinPath(slurm_dir, absl::StrCat(plan.sweep.id, ".sbatch"));
  if (absl::Status st = WriteFileAtomically(path, script); !st.ok()) return Fail(st);
  std::string output;
  absl::StatusOr<int> rc = RunShell("sbatch " + sweep::ShellQuote(path), &output);
  if (!rc.ok()) return Fail(rc.status());
  if (*rc == 127) {
    return Fail(absl::FailedPreconditionError(absl::StrCat(
        "sbatch was not found on PATH; run on a Slurm login node, or print the script with "
        "--dry_run (it is written to ",
        path, ")")));
  }
  if (*rc != 0) {
    return Fail(
        absl::InternalError(absl::StrCat("sbatch ", path, " failed (exit ", *rc, "): ", output)));
  }
  std::cout << "script: " << path << "\n" << output;
  std::cout << "logs: " << slurm_dir << "/; results go to the store; run the same command "
            << "again to submit only what did not complete\n";
  return 0;
}

}  // namespace

int RunSweep(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    std::cerr << "vlmlab: error: sweep takes one sweep file\n" << kSweepUsage << "\n";
    return 2;
  }
  const int workers = absl::GetFlag(FLAGS_workers);
  if (workers < 1) {
    std::cerr << "vlmlab: error: --workers is " << workers << "; give 1 or more\n";
    return 2;
  }
  absl::StatusOr<LoadedSweep> loaded = LoadSweepFile(args[0]);
  if (!loaded.ok()) return Fail(loaded.status());
  absl::StatusOr<std::vector<SweepRun>> runs = ExpandSweep(*loaded, GlobalRegistries());
  if (!runs.ok()) return Fail(runs.status());
  // --output_dir and --store replace the runs' runtime fields (unhashed: ids do not change).
  const std::string output_dir = absl::GetFlag(FLAGS_output_dir);
  const std::string store_flag = absl::GetFlag(FLAGS_store);
  for (SweepRun& r : *runs) {
    if (!output_dir.empty()) r.experiment.mutable_runtime()->set_output_dir(output_dir);
    if (!store_flag.empty()) r.experiment.mutable_runtime()->set_store(store_flag);
  }
  absl::StatusOr<sweep::SweepPlan> plan = sweep::PlanSweep(*loaded, *runs);
  if (!plan.ok()) return Fail(plan.status());
  absl::StatusOr<std::string> url = sweep::CommonStoreUrl(*plan);
  if (!url.ok()) return Fail(url.status());

  sweep::WorkerArgvOptions argv_options;
  argv_options.program = SelfPath();
  argv_options.store_url = *url;
  const int threads_flag = absl::GetFlag(FLAGS_threads);
  argv_options.threads = threads_flag >= 0
                             ? threads_flag
                             : sweep::DefaultThreadsPerWorker(
                                   workers, static_cast<int>(std::thread::hardware_concurrency()));
  argv_options.plugin_libs = absl::GetFlag(FLAGS_plugin_lib);
  std::vector<sweep::WorkerCommand> commands = sweep::WorkerCommands(*plan, argv_options);

  const std::string launcher = absl::GetFlag(FLAGS_launcher);
  if (launcher != "local" && launcher != "slurm") {
    std::cerr << "vlmlab: error: --launcher is '" << launcher << "'; give local or slurm\n";
    return 2;
  }
  absl::StatusOr<std::unique_ptr<store::Store>> db = store::OpenStore(*url);
  if (!db.ok()) return Fail(db.status());
  if (launcher == "slurm") return SubmitToSlurm(**db, *plan, commands, argv_options.threads);
  std::cout << "sweep '" << plan->sweep.name << "' (" << plan->sweep.id
            << "): " << plan->runs.size() << " runs, store " << (*db)->url() << ", " << workers
            << " worker(s) x " << argv_options.threads << " thread(s)\n";

  if (absl::GetFlag(FLAGS_dry_run)) {
    for (size_t i = 0; i < commands.size(); ++i) {
      absl::StatusOr<store::RunRecord> rec = (*db)->GetRun(commands[i].run_id);
      std::string state = rec.ok() ? std::string(store::RunStatusName(rec->status)) : "new";
      std::vector<std::string> quoted;
      for (const std::string& a : commands[i].argv) quoted.push_back(sweep::ShellQuote(a));
      std::cout << commands[i].label << "\t" << commands[i].run_id << "\t" << state << "\n  "
                << absl::StrJoin(quoted, " ") << "\n";
    }
    return 0;
  }

  if (absl::Status st = sweep::RegisterSweep(**db, *plan); !st.ok()) return Fail(st);
  if (absl::Status st = sweep::WriteRunSpecs(*plan); !st.ok()) return Fail(st);

  absl::StatusOr<sweep::SweepSummary> summary;
  {
    StopSignals signals;
    sweep::SchedulerOptions o;
    o.workers = workers;
    o.limit = absl::GetFlag(FLAGS_limit);
    o.stop_signal = &g_stop;
    o.progress = &std::cerr;
    // Progress of the active runs: often on a terminal, once a minute in a log file.
    const int32_t every = absl::GetFlag(FLAGS_status_every);
    o.status_every = every > 0                ? absl::Seconds(every)
                     : isatty(fileno(stderr)) ? absl::Seconds(10)
                                              : absl::Seconds(60);
    summary = sweep::RunWorkers(**db, commands, o);
  }
  if (!summary.ok()) return Fail(summary.status());

  std::cout << "\nsweep '" << plan->sweep.name << "': " << summary->CountsLine() << "\n";
  for (const sweep::RunResult& r : summary->runs) {
    if (r.outcome != sweep::RunOutcome::kFailed) continue;
    std::cout << "  failed: " << r.label << " (" << r.run_id
              << "): " << absl::StrReplaceAll(r.detail, {{"\n", "\n    "}}) << "\n";
  }

  std::vector<std::string> run_ids;
  for (const sweep::PlannedRun& r : plan->runs) run_ids.push_back(r.definition.id);
  report::AblationOptions table_options;
  table_options.title = absl::StrCat("\nsweep '", plan->sweep.name, "' (", plan->sweep.id, ")");
  absl::StatusOr<report::AblationTable> table =
      report::BuildAblationTable(**db, run_ids, table_options);
  if (!table.ok()) {
    PrintError(table.status());
  } else {
    int completed = 0;
    for (const report::AblationRow& row : table->rows) completed += row.completed_runs;
    if (completed > 0) {
      std::cout << report::FormatAblationTable(*table, report::TableFormat::kText);
    } else {
      std::cout << "no completed runs to report yet\n";
    }
  }
  if (summary->interrupted) {
    std::cout << "interrupted: run the same command again to resume\n";
    return 1;
  }
  return summary->Count(sweep::RunOutcome::kFailed) > 0 ? 1 : 0;
}

}  // namespace vlmlab
