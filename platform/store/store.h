// The results store: where sweeps, runs, training curves, metrics and per-example predictions
// go, behind one interface with two engines: SQLite (one file, the default; safe with several
// processes writing at once) and PostgreSQL (a team's shared server). docs/store.md has the
// schema, URLs, migrations and concurrency guarantees.
//
//   VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> db,
//                           store::OpenStore("runs/vlmlab.sqlite"));
//   VLMLAB_RETURN_IF_ERROR(db->UpsertRun(definition));
//   VLMLAB_ASSIGN_OR_RETURN(bool mine, db->ClaimRun(definition.id));
//   if (!mine) return absl::OkStatus();  // another worker has it, or it is done
//   VLMLAB_RETURN_IF_ERROR(db->AppendScalars(points));
//   VLMLAB_RETURN_IF_ERROR(db->PutMetrics(metrics));
//   VLMLAB_RETURN_IF_ERROR(db->CompleteRun(definition.id));
//
// Every method is safe to call from several threads on one Store (calls are serialised on its
// connection); for parallel writers open one Store per thread or process. Batched writes
// (AppendScalars, PutMetrics, PutPredictions) are one transaction each: all rows or none.
// Strings must be valid UTF-8 without NUL bytes; they round-trip unchanged.
#ifndef VLMLAB_PLATFORM_STORE_STORE_H_
#define VLMLAB_PLATFORM_STORE_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "platform/store/records.h"

namespace vlmlab::store {

class Store {
 public:
  virtual ~Store() = default;

  // "sqlite" or "postgresql".
  virtual absl::string_view engine() const = 0;
  // The URL it was opened with, password removed (for messages).
  virtual absl::string_view url() const = 0;
  // The schema version of the open store (== kSchemaVersion in migrations.h after OpenStore).
  virtual absl::StatusOr<int> SchemaVersion() = 0;

  // Sweeps. EnsureSweep inserts the sweep, or accepts it unchanged when a sweep with that id
  // and the same name and spec text exists; a different one is AlreadyExists.
  virtual absl::Status EnsureSweep(const SweepRecord& sweep) = 0;
  virtual absl::StatusOr<SweepRecord> GetSweep(absl::string_view sweep_id) = 0;  // NotFound
  virtual absl::StatusOr<std::vector<SweepRecord>> ListSweeps() = 0;             // by creation time

  // Runs. UpsertRun inserts a pending run, or updates an existing run's definition and
  // replaces its fields, keeping its status, timestamps and cost. Its sweep must exist.
  virtual absl::Status UpsertRun(const RunDefinition& run) = 0;
  // Atomically moves a pending or failed run to running and returns true; returns false when
  // the run is running (another worker has it) or completed. NotFound for an unknown run.
  virtual absl::StatusOr<bool> ClaimRun(absl::string_view run_id) = 0;
  // running -> completed / failed; FailedPrecondition when the run is not running.
  virtual absl::Status CompleteRun(absl::string_view run_id) = 0;
  virtual absl::Status FailRun(absl::string_view run_id, absl::string_view error) = 0;
  // Any status -> pending, clearing timestamps and error: for a run whose worker died, or to
  // run a completed run again. Its scalars, metrics and predictions stay.
  virtual absl::Status ResetRun(absl::string_view run_id) = 0;
  virtual absl::Status SetRunCost(absl::string_view run_id, const RunCost& cost) = 0;

  virtual absl::StatusOr<RunRecord> GetRun(absl::string_view run_id) = 0;  // NotFound
  // All runs (empty sweep_id) or one sweep's, by creation time then id.
  virtual absl::StatusOr<std::vector<RunRecord>> ListRuns(absl::string_view sweep_id) = 0;
  // The runs' spec fields, by run id then path.
  virtual absl::StatusOr<std::vector<RunField>> RunFields(
      absl::Span<const std::string> run_ids) = 0;

  // Results. Every row's run must exist (NotFound otherwise, and nothing is written).
  virtual absl::Status AppendScalars(absl::Span<const ScalarPoint> points) = 0;
  virtual absl::Status PutMetrics(absl::Span<const MetricRecord> metrics) = 0;
  // Each JSON must be a JSON object (InvalidArgument otherwise).
  virtual absl::Status PutPredictions(absl::Span<const PredictionRecord> predictions) = 0;

  // Scalars of the runs, all keys or only `keys`, by run id, key, stage, step.
  virtual absl::StatusOr<std::vector<ScalarPoint>> Scalars(absl::Span<const std::string> run_ids,
                                                           absl::Span<const std::string> keys) = 0;
  // Metrics of the runs, by run id, evaluator, key.
  virtual absl::StatusOr<std::vector<MetricRecord>> Metrics(
      absl::Span<const std::string> run_ids) = 0;
  virtual absl::StatusOr<PredictionPage> Predictions(const PredictionQuery& query) = 0;
};

// Opens (creating and migrating when needed) the store at `url`:
//   "sqlite:PATH", or a bare PATH ending in .db, .sqlite or .sqlite3   -> SQLite file
//       (parent directories are created)
//   "postgresql://..." or "postgres://..."                             -> PostgreSQL (libpq
//       connection URI: user, password, host, port, database, ?options)
// FailedPrecondition when the store's schema is newer than this build knows.
absl::StatusOr<std::unique_ptr<Store>> OpenStore(absl::string_view url);

}  // namespace vlmlab::store

#endif  // VLMLAB_PLATFORM_STORE_STORE_H_
