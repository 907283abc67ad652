// The Store contract under contention, on both engines (fixture: store_test_fixture.h):
// eight threads or processes appending results and claiming runs at once lose no rows and
// claim each run once; a writer killed mid-append leaves no torn batch; processes opening a new
// store at once migrate it once.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "platform/store/migrations.h"
#include "platform/store/store.h"
#include "platform/store/store_test_fixture.h"

namespace vlmlab::store {
namespace {

// ---- Concurrency ----

constexpr int kWorkers = 8;  // as many worker processes as a sweep runs on a large machine
constexpr int kBatches = 8;
constexpr int kBatchSize = 40;
constexpr int kContestedRuns = 12;

std::string ContestedRun(int i) { return absl::StrCat("contested-", i); }

// One worker: appends kBatches batches of its own scalars to run "shared" and tries to claim
// every contested run (each worker in a different order), recording each claim it wins as a
// scalar "claimed_by" at step `worker` on that run. Returns the number of claims won, or -1.
int RunWorker(Store& store, int worker) {
  auto failed = [worker](const absl::Status& status) {
    std::fprintf(stderr, "worker %d: %s\n", worker, status.ToString().c_str());
    return -1;
  };
  int won = 0;
  for (int b = 0; b < kBatches; ++b) {
    std::vector<ScalarPoint> batch;
    for (int k = 0; k < kBatchSize; ++k) {
      batch.push_back({"shared", "train", b * kBatchSize + k, absl::StrCat("w", worker),
                       worker + 0.001 * k, std::nullopt});
    }
    absl::Status appended = store.AppendScalars(batch);
    if (!appended.ok()) return failed(appended);
    for (int r = b; r < kContestedRuns; r += kBatches) {
      const std::string run = ContestedRun((r + worker * 5) % kContestedRuns);
      absl::StatusOr<bool> claimed = store.ClaimRun(run);
      if (!claimed.ok()) return failed(claimed.status());
      if (*claimed) {
        ++won;
        absl::Status noted =
            store.AppendScalars({{run, "claim", worker, "claimed_by", 1.0, std::nullopt}});
        if (!noted.ok()) return failed(noted);
      }
    }
  }
  return won;
}

void PrepareContest(Store& store) {
  for (int i = -1; i < kContestedRuns; ++i) {
    RunDefinition run;
    run.id = i < 0 ? "shared" : ContestedRun(i);
    run.spec_hash = "h";
    ASSERT_TRUE(store.UpsertRun(run).ok());
  }
}

// Every scalar arrived; every contested run is running and was claimed exactly once.
void VerifyContest(Store& store, int total_won) {
  absl::StatusOr<std::vector<ScalarPoint>> shared = store.Scalars({"shared"}, {});
  ASSERT_TRUE(shared.ok()) << shared.status();
  EXPECT_EQ(shared->size(), static_cast<size_t>(kWorkers * kBatches * kBatchSize));
  std::map<std::string, int> per_worker;
  for (const ScalarPoint& p : *shared) ++per_worker[p.key];
  for (int w = 0; w < kWorkers; ++w) {
    EXPECT_EQ(per_worker[absl::StrCat("w", w)], kBatches * kBatchSize);
  }
  EXPECT_EQ(total_won, kContestedRuns);
  for (int i = 0; i < kContestedRuns; ++i) {
    EXPECT_EQ(store.GetRun(ContestedRun(i))->status, RunStatus::kRunning);
    EXPECT_EQ(store.Scalars({ContestedRun(i)}, {"claimed_by"})->size(), 1u) << ContestedRun(i);
  }
}

TEST_P(StoreTest, ConcurrentThreadsLoseNoRowsAndClaimEachRunOnce) {
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  PrepareContest(*store);
  std::atomic<int> won{0}, errors{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&, w] {
      // Half the threads open their own store; the others share the test's.
      std::unique_ptr<Store> own;
      if (w % 2 == 0) {
        absl::StatusOr<std::unique_ptr<Store>> opened = OpenStore(url_);
        if (!opened.ok()) {
          ++errors;
          return;
        }
        own = std::move(*opened);
      }
      const int n = RunWorker(own != nullptr ? *own : *store, w);
      if (n < 0) {
        ++errors;
      } else {
        won += n;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(errors.load(), 0);
  VerifyContest(*store, won.load());
}

TEST_P(StoreTest, ConcurrentProcessesLoseNoRowsAndClaimEachRunOnce) {
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  PrepareContest(*store);
  std::vector<pid_t> children;
  for (int w = 0; w < kWorkers; ++w) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // The child opens its own store (never the parent's connection) and reports the claims
      // it won as its exit status; 255 is a failure.
      absl::StatusOr<std::unique_ptr<Store>> own = OpenStore(url_);
      if (!own.ok()) std::fprintf(stderr, "worker %d: %s\n", w, own.status().ToString().c_str());
      const int n = own.ok() ? RunWorker(**own, w) : -1;
      _exit(n < 0 ? 255 : n);
    }
    children.push_back(pid);
  }
  int won = 0;
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_NE(WEXITSTATUS(status), 255) << "a worker process failed";
    won += WEXITSTATUS(status);
  }
  VerifyContest(*store, won);
}

// A worker killed (SIGKILL) while it appends leaves the store consistent: every batch it
// appended is there whole (each is one transaction), none is torn, and the store takes writes
// and reads afterwards.
TEST_P(StoreTest, AWorkerKilledMidWriteLeavesNoTornBatch) {
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  PrepareContest(*store);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    absl::StatusOr<std::unique_ptr<Store>> own = OpenStore(url_);
    if (!own.ok()) _exit(255);
    for (int b = 0;; ++b) {  // until killed
      std::vector<ScalarPoint> batch;
      for (int k = 0; k < kBatchSize; ++k) {
        batch.push_back({"shared", "train", b * kBatchSize + k, "victim", 1.0, std::nullopt});
      }
      if (!(*own)->AppendScalars(batch).ok()) _exit(255);
    }
  }
  // Kill it once a few batches have landed, in the middle of whatever it is doing.
  size_t rows = 0;
  for (int i = 0; i < 500 && rows < 3 * kBatchSize; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    absl::StatusOr<std::vector<ScalarPoint>> now = store->Scalars({"shared"}, {"victim"});
    rows = now.ok() ? now->size() : 0;
  }
  kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped before it was killed";
  absl::StatusOr<std::unique_ptr<Store>> reopened = OpenStore(url_);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  absl::StatusOr<std::vector<ScalarPoint>> left = (*reopened)->Scalars({"shared"}, {"victim"});
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_GE(left->size(), 3u * kBatchSize);
  EXPECT_EQ(left->size() % kBatchSize, 0u) << "a torn batch: " << left->size() << " rows";
  ASSERT_TRUE((*reopened)->AppendScalars({{"shared", "train", 0, "after", 2.0, std::nullopt}}).ok());
  EXPECT_EQ((*reopened)->Scalars({"shared"}, {"after"})->size(), 1u);
}

TEST_P(StoreTest, ProcessesOpeningANewStoreAtOnceMigrateItOnce) {
  // Workers started together on a store nobody has opened yet, as a fresh sweep does.
  const absl::Time start = absl::Now() + absl::Milliseconds(300);
  std::vector<pid_t> children;
  for (int w = 0; w < kWorkers; ++w) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      absl::SleepFor(start - absl::Now());
      absl::StatusOr<std::unique_ptr<Store>> own = OpenStore(url_);
      absl::Status status = own.status();
      if (status.ok()) status = (*own)->UpsertRun(MakeRun(absl::StrCat("w", w)));
      if (!status.ok()) std::fprintf(stderr, "worker %d: %s\n", w, status.ToString().c_str());
      _exit(status.ok() ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a worker failed to open";
  }
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM schema_version"),
            static_cast<int64_t>(Migrations().size()));
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM runs"), kWorkers);
}

INSTANTIATE_TEST_SUITE_P(Engines, StoreTest, ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         EngineName);

}  // namespace
}  // namespace vlmlab::store
