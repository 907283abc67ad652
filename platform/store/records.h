// The rows the results store keeps: sweeps, runs and their spec fields, training scalars,
// final metrics and per-example predictions. Plain structs; the Store (store.h) reads and
// writes them. See docs/store.md for the tables behind them.
//
//   store::RunDefinition run;
//   run.id = absl::StrCat(spec_hash, "-s", seed);
//   run.variant = "projector=mlp";
//   run.fields = {{"model.projector.mlp.hidden", "2048"}};
//   VLMLAB_RETURN_IF_ERROR(store->UpsertRun(run));
#ifndef VLMLAB_PLATFORM_STORE_RECORDS_H_
#define VLMLAB_PLATFORM_STORE_RECORDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace vlmlab::store {

struct SweepRecord {
  std::string id;         // caller-chosen, e.g. the sweep file's hash
  std::string name;       // human name
  std::string spec_text;  // canonical text of the sweep
  absl::Time created_at;  // set by the store on first insert; ignored by EnsureSweep
};

// pending -> running (ClaimRun) -> completed (CompleteRun) | failed (FailRun);
// failed and pending runs can be claimed again; ResetRun returns any run to pending.
enum class RunStatus { kPending, kRunning, kCompleted, kFailed };

absl::string_view RunStatusName(RunStatus status);  // "pending", "running", ...
absl::StatusOr<RunStatus> ParseRunStatus(absl::string_view name);

// One (dotted field path, value) pair of a run's flattened spec, e.g.
// ("model.projector.mlp.hidden", "2048"), so runs can be grouped by any spec field.
struct RunField {
  std::string run_id;  // filled by queries; ignored inside RunDefinition::fields
  std::string path;
  std::string value;
};

// What is run: written by UpsertRun.
struct RunDefinition {
  std::string id;                       // e.g. "<spec_hash>-s<seed>"
  std::optional<std::string> sweep_id;  // the sweep it belongs to, if any (must exist)
  std::string variant;                  // the sweep variant's name
  int64_t seed = 0;
  std::string spec_hash;
  std::string spec_text;         // canonical textproto
  std::vector<RunField> fields;  // replaces the run's previous fields
};

// Costs of a run; unset members leave the stored value unchanged (SetRunCost).
struct RunCost {
  std::optional<int64_t> parameters;
  std::optional<int64_t> trainable_parameters;
  std::optional<int64_t> visual_tokens_per_image;
  std::optional<double> train_flops;
  std::optional<double> samples_per_second;
};

// A run as stored: its definition (without fields, see Store::RunFields) and its state.
struct RunRecord {
  std::string id;
  std::optional<std::string> sweep_id;
  std::string variant;
  int64_t seed = 0;
  std::string spec_hash;
  std::string spec_text;
  RunStatus status = RunStatus::kPending;
  std::string error;   // FailRun's message; empty otherwise
  std::string worker;  // "host:pid" of the last ClaimRun
  absl::Time created_at;
  std::optional<absl::Time> started_at;   // set by ClaimRun
  std::optional<absl::Time> finished_at;  // set by CompleteRun / FailRun
  RunCost cost;
};

// One point of a training time series. (run_id, stage, step, key) is unique: writing the
// same point again (a resumed run) replaces its value.
struct ScalarPoint {
  std::string run_id;
  std::string stage;  // the stage's name, e.g. "pretrain"
  int64_t step = 0;
  std::string key;   // "loss", "lr", "grad_norm", "samples_per_s", ...
  double value = 0;  // NaN and infinities are kept
  std::optional<absl::Time> wall_time;
};

// A final evaluation result; (run_id, evaluator, key) is unique.
struct MetricRecord {
  std::string run_id;
  std::string evaluator;  // the evaluator's name in the spec
  std::string key;        // e.g. "vqa_accuracy/overall", "vqa_accuracy/blind_baseline/number"
  double value = 0;
  std::optional<double> ci_low;  // confidence interval, when the evaluator gives one
  std::optional<double> ci_high;
  std::optional<int64_t> n;  // examples behind the value
};

// One evaluated example; (run_id, evaluator, example_key) is unique.
struct PredictionRecord {
  std::string run_id;
  std::string evaluator;
  std::string example_key;
  // A JSON object: question, references, prediction, score, image reference, ... Stored
  // byte for byte as given.
  std::string json;
  // The example's score in [0, 1]; when unset, PutPredictions takes the JSON's numeric
  // "score" member, if any. Failures are scores below 1.
  std::optional<double> score;
};

struct PredictionQuery {
  std::string run_id;
  std::string evaluator;
  int64_t offset = 0;
  int64_t limit = 50;
  bool failures_only = false;  // only score < 1
};

// One page of predictions, ordered by example_key (bytewise).
struct PredictionPage {
  int64_t total = 0;  // rows matching the query, ignoring offset/limit
  std::vector<PredictionRecord> rows;
};

}  // namespace vlmlab::store

#endif  // VLMLAB_PLATFORM_STORE_RECORDS_H_
