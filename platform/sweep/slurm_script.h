// The `sbatch --array` script of `vlmlab sweep --launcher slurm`: array task i runs the i-th
// pending run of the sweep, with the same worker command the local scheduler would execute.
// Runs already completed in the store are left out, so submitting again only runs what is
// left (the local scheduler's resume rule).
//
//   sweep::SlurmOptions o;
//   o.partition = "cpu";
//   o.max_parallel = 4;                   // --array=0-N%4
//   std::string script = sweep::SlurmArrayScript("tiny_sweep", pending_commands, o);
//
// The binary, the run specs and the store must be reachable from the compute nodes at the
// same paths (a shared file system, or PostgreSQL for the store): docs/sweeps.md.
#ifndef VLMLAB_PLATFORM_SWEEP_SLURM_SCRIPT_H_
#define VLMLAB_PLATFORM_SWEEP_SLURM_SCRIPT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "platform/sweep/scheduler.h"

namespace vlmlab::sweep {

struct SlurmOptions {
  std::string job_name;            // --job-name; empty: "vlmlab-" + the sweep's name
  std::string partition;           // --partition; empty: the cluster's default
  std::string time;                // --time, e.g. "01:00:00"; empty: the partition's default
  int cpus_per_task = 1;           // --cpus-per-task (the runs' thread count)
  std::string mem;                 // --mem, e.g. "8G"; empty: the partition's default
  int max_parallel = 0;            // the array's %N; 0: no limit
  std::string log_dir;             // --output/--error go to LOG_DIR/%x-%A_%a.{out,err}
  std::string workdir;             // --chdir: where relative paths in the commands resolve
  std::vector<std::string> extra;  // further "#SBATCH" options, e.g. "--account=lab"
};

// Checks the options (values that would break the script's #SBATCH lines are refused, with
// the flag to fix).
absl::Status ValidateSlurmOptions(const SlurmOptions& options);

// The script. `commands` must be non-empty; task i executes commands[i].argv.
std::string SlurmArrayScript(const std::string& sweep_name,
                             const std::vector<WorkerCommand>& commands,
                             const SlurmOptions& options);

// A word for a POSIX shell: unchanged when it holds only safe characters, else single-quoted.
std::string ShellQuote(const std::string& s);

}  // namespace vlmlab::sweep

#endif  // VLMLAB_PLATFORM_SWEEP_SLURM_SCRIPT_H_
