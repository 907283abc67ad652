// Test helpers for the scheduler tests: a fresh SQLite store per test with a sweep and runs,
// and command lines for the fake worker (fake_worker.cc).
//
//   SweepFixture f("scheduler_all_complete", 3);   // runs r0, r1, r2, pending
//   std::vector<WorkerCommand> cmds = {f.Command(0, {"complete"}), ...};
#ifndef VLMLAB_PLATFORM_SWEEP_SWEEP_TESTING_H_
#define VLMLAB_PLATFORM_SWEEP_SWEEP_TESTING_H_

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "platform/store/store.h"
#include "platform/sweep/scheduler.h"

namespace vlmlab::sweep {

class SweepFixture {
 public:
  SweepFixture(const std::string& name, int runs) {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = std::filesystem::path(tmp ? tmp : "/tmp") / name;
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    url_ = (dir_ / "store.sqlite").string();
    auto db = store::OpenStore(url_);
    EXPECT_TRUE(db.ok()) << db.status();
    store_ = std::move(*db);
    EXPECT_TRUE(store_->EnsureSweep({"s1", "sweep", "name: \"sweep\"\n", {}}).ok());
    for (int i = 0; i < runs; ++i) {
      store::RunDefinition d;
      d.id = RunId(i);
      d.sweep_id = "s1";
      d.variant = absl::StrCat("v", i);
      d.spec_hash = "h";
      d.spec_text = "x: 1\n";
      absl::Status st = store_->UpsertRun(d);
      EXPECT_TRUE(st.ok()) << st;
    }
  }

  static std::string RunId(int i) { return absl::StrCat("r", i); }
  static std::string FakeWorker() {
    return std::filesystem::absolute("platform/sweep/fake_worker").string();
  }
  std::string RunDir(int i) const { return (dir_ / "runs" / RunId(i)).string(); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  // fake_worker STORE r<i> MODE [ARG]
  WorkerCommand Command(int i, const std::vector<std::string>& mode) const {
    std::vector<std::string> argv = {FakeWorker(), url_, RunId(i)};
    argv.insert(argv.end(), mode.begin(), mode.end());
    return WorkerCommand{RunId(i), absl::StrCat("v", i), argv, RunDir(i)};
  }
  // /bin/sh -c SCRIPT with $1 = store url, $2 = run id, $3 = fake worker path.
  WorkerCommand Shell(int i, const std::string& script) const {
    return WorkerCommand{RunId(i),
                         absl::StrCat("v", i),
                         {"/bin/sh", "-c", script, "sh", url_, RunId(i), FakeWorker()},
                         RunDir(i)};
  }

  store::RunStatus Status(int i) const {
    auto r = store_->GetRun(RunId(i));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->status : store::RunStatus::kPending;
  }
  std::string Error(int i) const {
    auto r = store_->GetRun(RunId(i));
    return r.ok() ? r->error : "";
  }
  std::string Log(int i) const {
    std::ifstream in(RunDir(i) + "/log.txt");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  store::Store& db() { return *store_; }
  const std::string& url() const { return url_; }

 private:
  std::filesystem::path dir_;
  std::string url_;
  std::unique_ptr<store::Store> store_;
};

// Occurrences of `needle` in `text`.
inline int CountOf(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

}  // namespace vlmlab::sweep

#endif  // VLMLAB_PLATFORM_SWEEP_SWEEP_TESTING_H_
