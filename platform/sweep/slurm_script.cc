#include "platform/sweep/slurm_script.h"

#include <cctype>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace vlmlab::sweep {
namespace {

// A value on an #SBATCH line: Slurm reads the line up to its end, so no newline, and no
// whitespace (it would end the option).
bool SafeSbatchValue(const std::string& v) {
  return v.find_first_of(" \t\r\n") == std::string::npos;
}

}  // namespace

std::string ShellQuote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789-_=./:,+@%") == std::string::npos) {
    return s;
  }
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

absl::Status ValidateSlurmOptions(const SlurmOptions& o) {
  const std::pair<const char*, const std::string*> values[] = {
      {"--slurm_job_name", &o.job_name}, {"--slurm_partition", &o.partition},
      {"--slurm_time", &o.time},         {"--slurm_mem", &o.mem},
      {"--output_dir", &o.log_dir},      {"the working directory", &o.workdir}};
  for (const auto& [flag, value] : values) {
    if (!SafeSbatchValue(*value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          flag, " '", *value, "' holds whitespace, which would end its #SBATCH option"));
    }
  }
  for (const std::string& e : o.extra) {
    if (e.rfind("--", 0) != 0 || !SafeSbatchValue(e)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--slurm_extra '", e,
                       "' must be one sbatch option starting with -- and without whitespace, "
                       "e.g. --account=lab"));
    }
  }
  if (o.cpus_per_task < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--slurm_cpus_per_task is ", o.cpus_per_task, "; give 1 or more"));
  }
  if (o.max_parallel < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--slurm_max_parallel is ", o.max_parallel, "; give 0 (no limit) or more"));
  }
  return absl::OkStatus();
}

std::string SlurmArrayScript(const std::string& sweep_name,
                             const std::vector<WorkerCommand>& commands, const SlurmOptions& o) {
  std::string s = "#!/bin/bash\n";
  const std::string job = o.job_name.empty() ? absl::StrCat("vlmlab-", sweep_name) : o.job_name;
  // Only safe characters reach the #SBATCH lines (a sweep name is free text).
  std::string job_safe;
  for (char c : job)
    job_safe +=
        (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '_';
  absl::StrAppend(&s, "#SBATCH --job-name=", job_safe, "\n");
  absl::StrAppend(&s, "#SBATCH --array=0-", commands.size() - 1,
                  o.max_parallel > 0 ? absl::StrCat("%", o.max_parallel) : "", "\n");
  absl::StrAppend(&s, "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=", o.cpus_per_task, "\n");
  if (!o.partition.empty()) absl::StrAppend(&s, "#SBATCH --partition=", o.partition, "\n");
  if (!o.time.empty()) absl::StrAppend(&s, "#SBATCH --time=", o.time, "\n");
  if (!o.mem.empty()) absl::StrAppend(&s, "#SBATCH --mem=", o.mem, "\n");
  if (!o.workdir.empty()) absl::StrAppend(&s, "#SBATCH --chdir=", o.workdir, "\n");
  if (!o.log_dir.empty()) {
    absl::StrAppend(&s, "#SBATCH --output=", o.log_dir, "/%x-%A_%a.out\n");
    absl::StrAppend(&s, "#SBATCH --error=", o.log_dir, "/%x-%A_%a.err\n");
  }
  for (const std::string& e : o.extra) absl::StrAppend(&s, "#SBATCH ", e, "\n");
  absl::StrAppend(&s, "# Written by vlmlab sweep --launcher slurm for sweep '", sweep_name,
                  "': array task i runs run i below.\n");
  s += "set -euo pipefail\n";
  s += "case \"${SLURM_ARRAY_TASK_ID:?not run as a Slurm array task}\" in\n";
  for (size_t i = 0; i < commands.size(); ++i) {
    std::vector<std::string> quoted;
    for (const std::string& a : commands[i].argv) quoted.push_back(ShellQuote(a));
    std::string label = commands[i].label;
    for (char& c : label) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    absl::StrAppend(&s, "  ", i, ")  # ", label, " (", commands[i].run_id, ")\n    exec ",
                    absl::StrJoin(quoted, " "), " ;;\n");
  }
  s += "  *) echo \"vlmlab: no run for array task $SLURM_ARRAY_TASK_ID\" >&2; exit 2 ;;\n";
  s += "esac\n";
  return s;
}

}  // namespace vlmlab::sweep
