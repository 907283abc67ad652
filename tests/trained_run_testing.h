// Shared by the `vlmlab eval` integration tests (eval_command_test.cc: the command;
// evaluator_plugins_test.cc: the evaluator plugins and their settings): a tiny experiment
// trained once per test binary, experiment files derived from it, and file readers.
//
//   TEST_F(EvalCommandTest, Something) {
//     eval::EvalCheckpointRequest r;
//     r.target = outcome_->run_dir;
//     r.experiment_path = ExperimentFile("name", [](Experiment& e) { ... });
//   }
#ifndef VLMLAB_TESTS_TRAINED_RUN_TESTING_H_
#define VLMLAB_TESTS_TRAINED_RUN_TESTING_H_

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "glog/logging.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "kernels/cpu/threads.h"
#include "nlohmann/json.hpp"
#include "platform/registry/global_registries.h"
#include "platform/runner/run_experiment.h"
#include "platform/spec/experiment.pb.h"
#include "platform/store/store.h"
#include "tests/tiny_experiment.h"

namespace vlmlab {

namespace fs = std::filesystem;
using json = nlohmann::json;

// Appended to TinyModelAndData (tests/tiny_experiment.h).
inline constexpr char kTinyStages[] = R"pb(
  name: "tiny_eval"
  seed: 5
  data {
    name: "captions_val"
    components {
      dataset {
        synthetic { tasks: CAPTION split: VAL image_size: 16 num_images: 100 max_objects: 2 }
      }
    }
  }
  stages {
    name: "captions"
    pretrain {}
    steps: 2
    batch_size: 4
    mixture: "captions"
    optimizer { lr: 3e-3 }
  }
  stages {
    name: "vqa"
    sft {}
    steps: 2
    batch_size: 4
    mixture: "vqa_train"
    optimizer { lr: 2e-3 }
  }
  evaluators {
    name: "vqa"
    vqa_accuracy { prompt: "{question}" }
    data: "vqa_val"
    baseline_data: "vqa_train"
    max_examples: 8
    bootstrap_samples: 20
    generation { max_new_tokens: 4 }
    batch_size: 8
  }
  evaluators {
    name: "caption"
    caption {}
    data: "captions_val"
    max_examples: 4
    bootstrap_samples: 0
    generation { max_new_tokens: 6 }
  }
  runtime { backend: CPU threads: 1 }
)pb";

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::vector<json> ReadJsonl(const std::string& path) {
  std::vector<json> out;
  std::istringstream in(ReadText(path));
  std::string line;
  while (std::getline(in, line)) out.push_back(json::parse(line));
  return out;
}

inline void WriteText(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

// One trained run shared by the tests (training is the slow part).
class EvalCommandTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SetCpuThreads(1);
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = new std::string((fs::path(tmp ? tmp : "/tmp") / "eval_command_test").string());
    fs::remove_all(*dir_);
    exp_ = new Experiment();
    CHECK(google::protobuf::TextFormat::ParseFromString(TinyModelAndData(100) + kTinyStages, exp_));
    exp_->mutable_runtime()->set_output_dir(*dir_ + "/runs");
    exp_->mutable_runtime()->set_store(*dir_ + "/store.sqlite");
    runner::RunOptions o;
    o.run_id = "trained";
    absl::StatusOr<runner::RunOutcome> r = runner::RunExperiment(*exp_, o, GlobalRegistries());
    CHECK(r.ok()) << r.status();
    outcome_ = new runner::RunOutcome(*r);
  }

  static std::unique_ptr<store::Store> Db() {
    absl::StatusOr<std::unique_ptr<store::Store>> db = store::OpenStore(exp_->runtime().store());
    CHECK(db.ok()) << db.status();
    return std::move(*db);
  }

  // An experiment file: the trained one with `edit` applied.
  static std::string ExperimentFile(const std::string& name,
                                    const std::function<void(Experiment&)>& edit) {
    Experiment e = *exp_;
    edit(e);
    std::string path = *dir_ + "/specs/" + name + ".textproto";
    std::string text;
    CHECK(google::protobuf::TextFormat::PrintToString(e, &text));
    WriteText(path, text);
    return path;
  }

  static inline std::string* dir_ = nullptr;
  static inline Experiment* exp_ = nullptr;
  static inline runner::RunOutcome* outcome_ = nullptr;
};

}  // namespace vlmlab

#endif  // VLMLAB_TESTS_TRAINED_RUN_TESTING_H_
