// A stand-in for `vlmlab run` in the scheduler tests.
//
//   fake_worker STORE_URL RUN_ID MODE [ARG]
//
// MODE: complete          claim, mark completed, exit 0 (exit 0 at once if already completed)
//       fail MESSAGE      claim, mark failed with MESSAGE, exit 1
//       exit N            claim, print a line to stderr, exit N without marking anything
//       crash             claim, print a line to stderr, abort() (SIGABRT) without marking
//       fatal             claim, print a glog-style FATAL line and a long stack, abort()
//       noclaim N         print a line to stderr, exit N without touching the run
//       sleep SECONDS     claim, sleep, mark completed
//       claim             claim and exit 0, leaving the run running
//       steps N           claim, log a "loss" scalar of stage "train" at steps 1..N, 50 ms
//                         apart, mark completed
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "platform/store/store.h"

namespace {

int Die(const std::string& what) {
  std::cerr << "fake_worker: " << what << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) return Die("usage: fake_worker STORE RUN_ID MODE [ARG]");
  std::string url = argv[1], run_id = argv[2], mode = argv[3];
  std::string arg = argc > 4 ? argv[4] : "";
  int n = 0;
  if (mode == "noclaim") {
    std::cerr << "fake_worker: refusing to start\n";
    return absl::SimpleAtoi(arg, &n) ? n : 3;
  }
  absl::StatusOr<std::unique_ptr<vlmlab::store::Store>> db = vlmlab::store::OpenStore(url);
  if (!db.ok()) return Die(db.status().ToString());
  absl::StatusOr<bool> claimed = (*db)->ClaimRun(run_id);
  if (!claimed.ok()) return Die(claimed.status().ToString());
  if (!*claimed) {
    std::cout << "run " << run_id << " is already completed or running\n";
    return 0;
  }
  std::cout << "fake_worker: running " << run_id << " (" << mode << ")\n" << std::flush;
  if (mode == "complete" || mode == "sleep") {
    double seconds = 0;
    if (mode == "sleep" && !absl::SimpleAtod(arg, &seconds)) return Die("sleep needs seconds");
    absl::SleepFor(absl::Seconds(seconds));
    absl::Status st = (*db)->CompleteRun(run_id);
    return st.ok() ? 0 : Die(st.ToString());
  }
  if (mode == "fail") {
    absl::Status st = (*db)->FailRun(run_id, arg);
    return st.ok() ? 1 : Die(st.ToString());
  }
  if (mode == "exit") {
    std::cerr << "fake_worker: something went wrong\n";
    return absl::SimpleAtoi(arg, &n) ? n : 3;
  }
  if (mode == "crash") {
    std::cerr << "fake_worker: about to crash\n" << std::flush;
    std::abort();
  }
  if (mode == "fatal") {  // like a glog CHECK failure: the message, then a long stack trace
    std::cerr << "F20261129 07:56:35.230543 1 tensor.h:120] Check failed: impl_ != nullptr\n"
              << "*** Check failure stack trace: ***\n";
    for (int i = 0; i < 40; ++i) std::cerr << "    @     0x" << i << "  frame" << i << "()\n";
    std::cerr << std::flush;
    std::abort();
  }
  if (mode == "claim") return 0;
  if (mode == "steps") {
    if (!absl::SimpleAtoi(arg, &n)) return Die("steps needs a count");
    for (int step = 1; step <= n; ++step) {
      absl::SleepFor(absl::Milliseconds(50));
      vlmlab::store::ScalarPoint p{run_id, "train", step, "loss", 1.0 / step, absl::Now()};
      absl::Status st = (*db)->AppendScalars({p});
      if (!st.ok()) return Die(st.ToString());
    }
    absl::Status st = (*db)->CompleteRun(run_id);
    return st.ok() ? 0 : Die(st.ToString());
  }
  return Die("unknown mode " + mode);
}
