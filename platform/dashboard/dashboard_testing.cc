#include "platform/dashboard/dashboard_testing.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "platform/base/status_macros.h"

namespace vlmlab::dashboard::testing {

absl::Status FillExampleStore(store::Store* db) {
  VLMLAB_RETURN_IF_ERROR(
      db->EnsureSweep({kSweepId, kSweepName, "base: \"a.textproto\"\n", absl::Time()}));
  struct Def {
    const char* id;
    const char* variant;
    int seed;
    bool in_sweep;
    std::vector<store::RunField> fields;
  };
  const std::vector<Def> defs = {
      {"mlp-s0",
       "mlp",
       0,
       true,
       {{"", "model.projector", "mlp"},
        {"", "model.projector.mlp.hidden", "2048"},
        {"", "seed", "0"},
        {"", "stages[pretrain].optimizer.lr", "0.001"}}},
      {"mlp-s1",
       "mlp",
       1,
       true,
       {{"", "model.projector", "mlp"},
        {"", "model.projector.mlp.hidden", "2048"},
        {"", "seed", "1"},
        {"", "stages[pretrain].optimizer.lr", "0.001"}}},
      {"xss-s0",
       kScriptName,
       0,
       true,
       {{"", "model.projector", "perceiver"},
        {"", "model.projector.perceiver.latents", "64"},
        {"", "seed", "0"},
        {"", "stages[pretrain].optimizer.lr", "0.001"}}},
      {"solo-s0", "", 0, false, {{"", "seed", "0"}}},
  };
  for (const Def& d : defs) {
    store::RunDefinition run;
    run.id = d.id;
    if (d.in_sweep) run.sweep_id = kSweepId;
    run.variant = d.variant;
    run.seed = d.seed;
    run.spec_hash = absl::StrCat("hash-", d.id);
    run.spec_text = absl::StrCat("seed: ", d.seed, "\n");
    run.fields = d.fields;
    VLMLAB_RETURN_IF_ERROR(db->UpsertRun(run));
    // Creation times must order the runs: the store orders by created_at, then id.
    absl::SleepFor(absl::Milliseconds(2));
  }
  for (const char* id : {"mlp-s0", "mlp-s1", "xss-s0", "solo-s0"}) {
    VLMLAB_ASSIGN_OR_RETURN(bool claimed, db->ClaimRun(id));
    if (!claimed) return absl::InternalError(absl::StrCat("fixture: could not claim ", id));
  }
  VLMLAB_RETURN_IF_ERROR(db->CompleteRun("mlp-s0"));
  VLMLAB_RETURN_IF_ERROR(db->CompleteRun("mlp-s1"));
  VLMLAB_RETURN_IF_ERROR(db->CompleteRun("xss-s0"));
  VLMLAB_RETURN_IF_ERROR(db->FailRun("solo-s0", "<b>boom</b>"));
  store::RunCost cost;
  cost.parameters = 1234567;
  VLMLAB_RETURN_IF_ERROR(db->SetRunCost("mlp-s0", cost));

  std::vector<store::ScalarPoint> points;
  for (const auto& [id, offset] : std::vector<std::pair<std::string, double>>{
           {"mlp-s0", 0.0}, {"mlp-s1", 0.05}, {"xss-s0", 0.3}}) {
    for (int step = 0; step < 10; ++step) {
      double loss = 2.0 - 0.1 * step + offset;
      if (id == "xss-s0" && step == 5) loss = std::numeric_limits<double>::quiet_NaN();
      points.push_back({id, "pretrain", step, "loss", loss, absl::FromUnixSeconds(1000 + step)});
      points.push_back({id, "pretrain", step, "lr", 0.001, absl::FromUnixSeconds(1000 + step)});
    }
  }
  VLMLAB_RETURN_IF_ERROR(db->AppendScalars(points));

  std::vector<store::MetricRecord> metrics = {
      {"mlp-s0", "vqa", "overall", 0.5, std::nullopt, std::nullopt, std::nullopt},
      {"mlp-s1", "vqa", "overall", 0.7, std::nullopt, std::nullopt, std::nullopt},
      {"xss-s0", "vqa", "overall", 0.4, 0.35, 0.45, 100},
      {"mlp-s0", "caption", "cider", 1.25, std::nullopt, std::nullopt, std::nullopt},
  };
  VLMLAB_RETURN_IF_ERROR(db->PutMetrics(metrics));

  using nlohmann::json;
  const std::vector<std::pair<std::string, json>> examples = {
      {"k1",
       {{"key", "k1"},
        {"question", "What colour is the square?"},
        {"references", {"red", "dark red"}},
        {"prediction", "red"},
        {"score", 1},
        {"image", kRedPngDataUri}}},
      {"k2",
       {{"key", "k2"},
        {"question", "How many circles?"},
        {"references", {"2"}},
        {"prediction", "<img src=x onerror=alert(1)>"},
        {"score", 0}}},
      {"k3",
       {{"key", "k3"},
        {"question", "Is there a triangle?"},
        {"references", {"yes"}},
        {"prediction", "maybe"},
        {"score", 0.3},
        {"image", "images/k3.png"}}},
  };
  std::vector<store::PredictionRecord> predictions;
  for (const auto& [key, data] : examples) {
    predictions.push_back({"mlp-s0", "vqa", key, data.dump(), std::nullopt});
    // xss-s0 gets k1 wrong and k2, k3 as mlp-s0 did.
    json other = data;
    if (key == "k1") {
      other["prediction"] = "blue";
      other["score"] = 0;
    }
    predictions.push_back({"xss-s0", "vqa", key, other.dump(), std::nullopt});
  }
  return db->PutPredictions(predictions);
}

}  // namespace vlmlab::dashboard::testing
