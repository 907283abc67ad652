// UseBriefOpenMpSpinByDefault: with OMP_WAIT_POLICY and GOMP_SPINCOUNT unset the program
// re-executes itself with GOMP_SPINCOUNT=kDefaultOpenMpSpinCount, and libgomp then runs with
// that spin count (read back with omp_display_env); a policy or spin count the user set is
// left alone. The test runs this binary as a child
// (only the Child test, which skips unless VLMLAB_OPENMP_WAIT_CHILD is set).
#include <omp.h>
#include <stdio.h>

#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernels/cpu/threads.h"

namespace vlmlab {
namespace {

// Runs this test binary's Child test with `env` (shell assignments) and returns its output.
std::string RunChild(const std::string& env) {
  // Without bazel's output files: the child must not write the parent's test.xml.
  const std::string cmd = "env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT -u XML_OUTPUT_FILE "
                          "-u GTEST_OUTPUT " + env +
                          " VLMLAB_OPENMP_WAIT_CHILD=1 /proc/" + std::to_string(getpid()) +
                          "/exe --gtest_filter=OpenMpWait.Child 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return "popen failed";
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  pclose(p);
  return out;
}

TEST(OpenMpWait, Child) {
  if (std::getenv("VLMLAB_OPENMP_WAIT_CHILD") == nullptr) GTEST_SKIP() << "runs as a child";
  const bool set = UseBriefOpenMpSpinByDefault();
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  const char* spin = std::getenv("GOMP_SPINCOUNT");
  printf("returned=%d policy=%s spin=%s\n", set ? 1 : 0, policy == nullptr ? "(unset)" : policy,
         spin == nullptr ? "(unset)" : spin);
  fflush(stdout);
  omp_display_env(1);
}

TEST(OpenMpWait, UnsetBecomesABriefSpinAfterReexec) {
  const std::string out = RunChild("");
  const std::string spin = std::to_string(kDefaultOpenMpSpinCount);
  EXPECT_THAT(out, ::testing::HasSubstr("returned=1 policy=(unset) spin=" + spin)) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("GOMP_SPINCOUNT = '" + spin + "'")) << out;
}

TEST(OpenMpWait, UserChoiceIsKept) {
  std::string out = RunChild("OMP_WAIT_POLICY=passive");
  EXPECT_THAT(out, ::testing::HasSubstr("returned=1 policy=passive spin=(unset)")) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("GOMP_SPINCOUNT = '0'")) << out;
  out = RunChild("GOMP_SPINCOUNT=1234");
  EXPECT_THAT(out, ::testing::HasSubstr("returned=1 policy=(unset) spin=1234")) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("GOMP_SPINCOUNT = '1234'")) << out;
}

}  // namespace
}  // namespace vlmlab
