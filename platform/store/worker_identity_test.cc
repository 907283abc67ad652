#include "platform/store/worker_identity.h"

#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vlmlab::store {
namespace {

TEST(WorkerIdentity, ThisWorkerIsAliveAndAReapedChildIsNot) {
  EXPECT_EQ(LocalWorkerPid(ThisWorker()), getpid());
  EXPECT_EQ(LocalWorkerAlive(ThisWorker()), std::optional<bool>(true));
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(0);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_FALSE(ProcessAlive(child));
  EXPECT_EQ(LocalWorkerAlive(HostName() + ":" + std::to_string(child)), std::optional<bool>(false));
  // Another host's worker cannot be judged from here.
  EXPECT_EQ(LocalWorkerAlive("some-other-host-xyz:1"), std::nullopt);
  EXPECT_EQ(LocalWorkerAlive("no colon"), std::nullopt);
}

TEST(WorkerIdentity, RunIdsNameADirectoryAndNothingElse) {
  for (const std::string ok : {std::string("tiny-run"), std::string("3fa2c0d1-s0"),
                               std::string("a.b_c+d=e"), std::string(128, 'x')}) {
    EXPECT_TRUE(CheckRunId(ok).ok()) << ok;
  }
  for (const std::string bad :
       {std::string(), std::string("../../x"), std::string("a/b"), std::string(".hidden"),
        std::string("-rf"), std::string("a b"), std::string("<script>"), std::string(129, 'x'),
        std::string("a\0b", 3)}) {
    absl::Status s = CheckRunId(bad);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_THAT(s.message(), ::testing::HasSubstr("is not allowed: use 1 to 128 letters")) << s;
  }
}

}  // namespace
}  // namespace vlmlab::store
