// A small results store for the report tests, filled by hand: three variants of a sweep
// ("baseline", "mlp", "perceiver") over seeds 0 and 1, with fields, metrics, per-example
// predictions and costs whose summaries are worked out in ablation_table_test.cc.
#ifndef VLMLAB_PLATFORM_REPORT_REPORT_TESTING_H_
#define VLMLAB_PLATFORM_REPORT_REPORT_TESTING_H_

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "platform/store/store.h"

namespace vlmlab::report {

struct TestRun {
  std::string id;
  std::string variant;
  int64_t seed;
  bool completed;
  std::vector<store::RunField> fields;
  std::vector<std::pair<std::string, double>> metrics;  // "evaluator/key" -> value
  std::vector<double> vqa_scores;                       // examples q1, q2, ... (NaN: absent)
  store::RunCost cost;
};

inline void Check(const absl::Status& s) { ASSERT_TRUE(s.ok()) << s; }

inline std::vector<TestRun> AblationRuns() {
  auto fields = [](const std::string& projector, const std::string& enc_depth,
                   const std::string& llm_depth, bool mlp) {
    std::vector<store::RunField> f = {{"", "model.encoder.depth", enc_depth},
                                      {"", "model.llm.depth", llm_depth},
                                      {"", "model.llm.width", "32"},
                                      {"", "model.projector", projector},
                                      {"", "name", projector},
                                      {"", "runtime.output_dir", "runs"}};
    if (mlp) f.push_back({"", "model.projector.mlp.layers", "2"});
    return f;
  };
  const double kNone = std::nan("");
  store::RunCost base_cost0{12345678, 1000000, 64, 1.5e15, 100.0};
  store::RunCost base_cost1{12345678, 1000000, 64, 2.5e15, 120.0};
  store::RunCost mlp_cost;
  mlp_cost.parameters = 13000000;
  return {
      {"b-s0",
       "baseline",
       0,
       true,
       fields("linear", "2", "4", false),
       {{"vqa/overall", 0.50}, {"caption/cider", 1.0}, {"vqa/type/yes/no", 0.25}},
       {1, 0, 1, 0},
       base_cost0},
      {"b-s1",
       "baseline",
       1,
       true,
       fields("linear", "2", "4", false),
       {{"vqa/overall", 0.60}, {"caption/cider", 1.2}},
       {1, 1, 0, 0},
       base_cost1},
      {"m-s0",
       "mlp",
       0,
       true,
       fields("mlp", "2", "6", true),
       {{"vqa/overall", 0.70}},
       {1, 1, 1, 0},
       mlp_cost},
      {"m-s1",
       "mlp",
       1,
       true,
       fields("mlp", "2", "6", true),
       {{"vqa/overall", 0.80}},
       {1, 1, 1, 0},
       mlp_cost},
      {"p-s0",
       "perceiver",
       0,
       true,
       fields("perceiver", "4", "4", false),
       {{"vqa/overall", 0.40}, {"caption/cider", 0.9}},
       {0, 0, 1, kNone},
       {}},
      {"p-s1",
       "perceiver",
       1,
       false,
       fields("perceiver", "4", "4", false),
       {{"vqa/overall", 0.95}},
       {1, 1, 1, 1},
       {}},  // failed: ignored
  };
}

// Opens a fresh SQLite store under TEST_TMPDIR and writes the runs into sweep `sweep_id`.
inline std::unique_ptr<store::Store> FillStore(const std::string& name,
                                               const std::vector<TestRun>& runs,
                                               const std::string& sweep_spec_text = "") {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::filesystem::path dir = std::filesystem::path(tmp ? tmp : "/tmp") / name;
  std::filesystem::remove_all(dir);
  auto db = store::OpenStore((dir / "store.sqlite").string());
  EXPECT_TRUE(db.ok()) << db.status();
  std::unique_ptr<store::Store> s = std::move(*db);
  Check(s->EnsureSweep({"ablation-1234", "ablation", sweep_spec_text, {}}));
  for (const TestRun& r : runs) {
    store::RunDefinition d{r.id, "ablation-1234", r.variant, r.seed, "h", "x: 1\n", r.fields};
    Check(s->UpsertRun(d));
    EXPECT_TRUE(*s->ClaimRun(r.id));
    std::vector<store::MetricRecord> metrics;
    for (const auto& [label, value] : r.metrics) {
      size_t slash = label.find('/');
      metrics.push_back({r.id, label.substr(0, slash), label.substr(slash + 1), value, {}, {}, {}});
    }
    Check(s->PutMetrics(metrics));
    std::vector<store::PredictionRecord> predictions;
    for (size_t i = 0; i < r.vqa_scores.size(); ++i) {
      if (std::isnan(r.vqa_scores[i])) continue;
      predictions.push_back({r.id, "vqa", absl::StrCat("q", i + 1), "{}", r.vqa_scores[i]});
    }
    Check(s->PutPredictions(predictions));
    Check(s->SetRunCost(r.id, r.cost));
    Check(r.completed ? s->CompleteRun(r.id) : s->FailRun(r.id, "diverged"));
  }
  return s;
}

inline std::vector<std::string> Ids(const std::vector<TestRun>& runs) {
  std::vector<std::string> ids;
  for (const TestRun& r : runs) ids.push_back(r.id);
  return ids;
}

}  // namespace vlmlab::report

#endif  // VLMLAB_PLATFORM_REPORT_REPORT_TESTING_H_
