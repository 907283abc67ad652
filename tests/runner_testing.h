// Shared by the runner integration tests (runner_test.cc: a run's life cycle; runner_axes_test.cc:
// the spec axes a stage turns): the tiny experiment they train, a scratch directory per test,
// the store and checkpoint readers and weight comparisons.
//
//   Experiment e = InDir(Tiny(), TmpDir("my_test"));
//   absl::StatusOr<runner::RunOutcome> r = runner::RunExperiment(e, o, GlobalRegistries());
//   std::map<std::string, Tensor> w = LatestModel(r->run_dir);
#ifndef VLMLAB_TESTS_RUNNER_TESTING_H_
#define VLMLAB_TESTS_RUNNER_TESTING_H_

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "glog/logging.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "kernels/cpu/threads.h"
#include "platform/spec/experiment.pb.h"
#include "platform/store/store.h"
#include "platform/tensor/tensor.h"
#include "platform/weights/safetensors.h"
#include "tests/tiny_experiment.h"

namespace vlmlab {

namespace fs = std::filesystem;

// Appended to TinyModelAndData (tests/tiny_experiment.h).
inline constexpr char kTinyStages[] = R"pb(
  name: "tiny"
  seed: 3
  stages {
    name: "captions"
    pretrain {}
    steps: 6
    batch_size: 4
    mixture: "captions"
    optimizer { lr: 3e-3 }
    schedule { kind: COSINE warmup_steps: 1 }
    log_every: 2
  }
  stages {
    name: "vqa"
    sft {}
    steps: 3
    batch_size: 4
    mixture: "vqa_train"
    optimizer { lr: 2e-3 }
    log_every: 1
  }
  evaluators {
    name: "vqa"
    vqa_accuracy { prompt: "{question}" }
    data: "vqa_val"
    baseline_data: "vqa_train"
    max_examples: 8
    bootstrap_samples: 50
    generation { max_new_tokens: 4 }
    batch_size: 8
  }
  runtime { backend: CPU threads: 1 }
)pb";

inline Experiment Tiny() {
  Experiment e;
  CHECK(google::protobuf::TextFormat::ParseFromString(TinyModelAndData(200) + kTinyStages, &e));
  return e;
}

inline std::string TmpDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  fs::path p = fs::path(tmp ? tmp : "/tmp") / "runner_test" / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

// Points the experiment's runtime at a fresh directory under TEST_TMPDIR.
inline Experiment InDir(Experiment e, const std::string& dir) {
  e.mutable_runtime()->set_output_dir(dir + "/runs");
  e.mutable_runtime()->set_store(dir + "/store.sqlite");
  return e;
}

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::unique_ptr<store::Store> OpenStore(const Experiment& e) {
  absl::StatusOr<std::unique_ptr<store::Store>> db = store::OpenStore(e.runtime().store());
  CHECK(db.ok()) << db.status();
  return std::move(*db);
}

// The model tensors of the checkpoint LATEST names.
inline std::map<std::string, Tensor> LatestModel(const std::string& run_dir) {
  std::string latest = ReadText(run_dir + "/checkpoints/LATEST");
  while (!latest.empty() && std::isspace(static_cast<unsigned char>(latest.back()))) {
    latest.pop_back();
  }
  absl::StatusOr<weights::SafetensorsFile> f =
      weights::ReadSafetensors(run_dir + "/checkpoints/" + latest + "/model.safetensors");
  CHECK(f.ok()) << f.status();
  return f->tensors;
}

inline bool BitwiseEqual(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return false;
  std::vector<float> x = a.ToVector(), y = b.ToVector();
  return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
}

// Names of tensors under `prefix` that differ between the two maps (missing counts as
// different).
inline std::vector<std::string> Differing(const std::map<std::string, Tensor>& a,
                                          const std::map<std::string, Tensor>& b,
                                          const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& [name, t] : a) {
    if (!absl::StartsWith(name, prefix)) continue;
    auto it = b.find(name);
    if (it == b.end() || !BitwiseEqual(t, it->second)) out.push_back(name);
  }
  return out;
}

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override { SetCpuThreads(1); }
};

}  // namespace vlmlab

#endif  // VLMLAB_TESTS_RUNNER_TESTING_H_
