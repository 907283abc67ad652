// The sbatch --array script: the #SBATCH lines each option gives, one case per pending run
// with its quoted worker command, refusal of values that would break a line, and the script
// actually run by bash for each array index.
#include "platform/sweep/slurm_script.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vlmlab::sweep {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<WorkerCommand> Commands() {
  WorkerCommand a, b;
  a.run_id = "run-a";
  a.label = "mlp seed 0";
  a.argv = {"/bin/echo", "first", "it's quoted"};
  b.run_id = "run-b";
  b.label = "linear seed 1";
  b.argv = {"/bin/echo", "second"};
  return {a, b};
}

TEST(SlurmScript, OptionsBecomeSbatchLines) {
  SlurmOptions o;
  o.partition = "cpu";
  o.time = "01:30:00";
  o.mem = "8G";
  o.cpus_per_task = 2;
  o.max_parallel = 3;
  o.log_dir = "lab/runs/slurm";
  o.workdir = "lab";
  o.extra = {"--account=lab"};
  ASSERT_TRUE(ValidateSlurmOptions(o).ok());
  const std::string s = SlurmArrayScript("tiny sweep", Commands(), o);
  EXPECT_EQ(s.rfind("#!/bin/bash\n", 0), 0u);
  EXPECT_THAT(s, HasSubstr("#SBATCH --job-name=vlmlab-tiny_sweep\n"));
  EXPECT_THAT(s, HasSubstr("#SBATCH --array=0-1%3\n"));
  EXPECT_THAT(s, HasSubstr("#SBATCH --cpus-per-task=2\n"));
  EXPECT_THAT(s, HasSubstr("#SBATCH --partition=cpu\n"));
  EXPECT_THAT(s, HasSubstr("#SBATCH --time=01:30:00\n"));
  EXPECT_THAT(s, HasSubstr("#SBATCH --mem=8G\n"));
  EXPECT_THAT(s, HasSubstr("#SBATCH --output=lab/runs/slurm/%x-%A_%a.out\n"));
  EXPECT_THAT(s, HasSubstr("#SBATCH --account=lab\n"));
  EXPECT_THAT(s, HasSubstr("#SBATCH --chdir=lab\n"));
  EXPECT_THAT(
      s, HasSubstr("  0)  # mlp seed 0 (run-a)\n    exec /bin/echo first 'it'\\''s quoted' ;;"));
  EXPECT_THAT(s, HasSubstr("  1)  # linear seed 1 (run-b)\n    exec /bin/echo second ;;"));
}

TEST(SlurmScript, DefaultsLeaveTheClusterDefaults) {
  const std::string s = SlurmArrayScript("s", Commands(), SlurmOptions());
  EXPECT_THAT(s, HasSubstr("#SBATCH --array=0-1\n"));  // no %N
  EXPECT_THAT(s, Not(HasSubstr("--partition")));
  EXPECT_THAT(s, Not(HasSubstr("--time")));
  EXPECT_THAT(s, Not(HasSubstr("--mem")));
  EXPECT_THAT(s, Not(HasSubstr("--output")));
  EXPECT_THAT(s, Not(HasSubstr("--chdir")));
}

TEST(SlurmScript, ValuesThatWouldBreakALineAreRefused) {
  SlurmOptions o;
  o.partition = "cpu\n#SBATCH --x";
  EXPECT_THAT(std::string(ValidateSlurmOptions(o).message()), HasSubstr("--slurm_partition"));
  o = SlurmOptions();
  o.extra = {"account=lab"};
  EXPECT_THAT(std::string(ValidateSlurmOptions(o).message()), HasSubstr("starting with --"));
  o = SlurmOptions();
  o.cpus_per_task = 0;
  EXPECT_THAT(std::string(ValidateSlurmOptions(o).message()), HasSubstr("give 1 or more"));
  o = SlurmOptions();
  o.max_parallel = -1;
  EXPECT_THAT(std::string(ValidateSlurmOptions(o).message()), HasSubstr("--slurm_max_parallel"));
}

// What Slurm does with the script: bash runs it once per index with SLURM_ARRAY_TASK_ID set.
std::string RunTask(const std::string& script, const std::string& task) {
  const std::string dir = ::testing::TempDir();
  const std::string path = dir + "/task.sbatch", out = dir + "/task.out";
  std::ofstream(path) << script;
  const std::string cmd =
      (task.empty() ? std::string("env -u SLURM_ARRAY_TASK_ID") : "SLURM_ARRAY_TASK_ID=" + task) +
      " bash " + path + " > " + out + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream in(out);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return std::to_string(WEXITSTATUS(rc)) + ":" + text;
}

TEST(SlurmScript, EachArrayTaskRunsItsOwnCommand) {
  const std::string s = SlurmArrayScript("s", Commands(), SlurmOptions());
  EXPECT_EQ(RunTask(s, "0"), "0:first it's quoted\n");
  EXPECT_EQ(RunTask(s, "1"), "0:second\n");
  EXPECT_THAT(RunTask(s, "2"), HasSubstr("2:vlmlab: no run for array task 2"));
  EXPECT_THAT(RunTask(s, ""), HasSubstr("not run as a Slurm array task"));
}

}  // namespace
}  // namespace vlmlab::sweep
