// `vlmlab sweep SWEEP [--workers N] [--store URL] [--threads T] [--limit K]
// [--status_every S] [--dry_run]`:
// expands a sweep, registers it and its runs in the results store, and runs every run that is
// not completed yet as `vlmlab run` worker processes, N at a time; then prints a summary and
// the ablation table. Re-running it resumes. docs/sweeps.md describes it.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <system_error>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "platform/cli/cli_flags.h"
#include "platform/cli/commands.h"
#include "platform/registry/global_registries.h"
#include "platform/report/ablation_table.h"
#include "platform/report/table_format.h"
#include "platform/spec/sweep_expander.h"
#include "platform/store/store.h"
#include "platform/sweep/scheduler.h"
#include "platform/sweep/sweep_plan.h"

ABSL_FLAG(int32_t, workers, 1, "sweep: worker processes running at once");
ABSL_FLAG(int64_t, limit, -1, "sweep: start at most this many runs (-1: all)");
ABSL_FLAG(int32_t, status_every, 0,
          "sweep: seconds between status lines for the active runs (0: 10 on a terminal, 60 "
          "otherwise)");
ABSL_FLAG(bool, dry_run, false,
          "sweep: print the runs, their states and worker commands; run nothing");

namespace vlmlab {
namespace {

constexpr char kSweepUsage[] =
    "usage: vlmlab sweep SWEEP [--workers N] [--store URL] [--threads T] [--limit K] "
    "[--status_every S] [--output_dir DIR] [--dry_run]";

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

std::string ShellQuote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789-_=./:,+@%") == std::string::npos) {
    return s;
  }
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int Fail(const absl::Status& status) {
  PrintError(status);
  return 1;
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

  absl::StatusOr<std::unique_ptr<store::Store>> db = store::OpenStore(*url);
  if (!db.ok()) return Fail(db.status());
  std::cout << "sweep '" << plan->sweep.name << "' (" << plan->sweep.id
            << "): " << plan->runs.size() << " runs, store " << (*db)->url() << ", " << workers
            << " worker(s) x " << argv_options.threads << " thread(s)\n";

  if (absl::GetFlag(FLAGS_dry_run)) {
    for (size_t i = 0; i < commands.size(); ++i) {
      absl::StatusOr<store::RunRecord> rec = (*db)->GetRun(commands[i].run_id);
      std::string state = rec.ok() ? std::string(store::RunStatusName(rec->status)) : "new";
      std::vector<std::string> quoted;
      for (const std::string& a : commands[i].argv) quoted.push_back(ShellQuote(a));
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
    o.status_every = every > 0                  ? absl::Seconds(every)
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
