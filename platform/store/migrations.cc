#include "platform/store/migrations.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "glog/logging.h"
#include "platform/base/status_macros.h"

namespace vlmlab::store {
namespace {

// Statements may write {TEXT_C}: a text column that compares and sorts bytewise on both
// engines (SQLite's default; PostgreSQL needs COLLATE "C" whatever the server's locale).
std::string ForEngine(absl::string_view statement, StoreEngine engine) {
  return absl::StrReplaceAll(
      statement, {{"{TEXT_C}", engine == StoreEngine::kPostgres ? "TEXT COLLATE \"C\"" : "TEXT"}});
}

// Any constant: the key of the PostgreSQL advisory lock held while migrating.
constexpr absl::string_view kPostgresMigrationLock =
    "SELECT pg_advisory_xact_lock(7523094288207667809)";

absl::Status MigrateLocked(SqlConnection& c, absl::Span<const Migration> migrations) {
  if (c.engine() == StoreEngine::kPostgres) {
    VLMLAB_RETURN_IF_ERROR(c.Execute(kPostgresMigrationLock).status());
  }
  VLMLAB_RETURN_IF_ERROR(c.Execute("CREATE TABLE IF NOT EXISTS schema_version ("
                                   "version BIGINT PRIMARY KEY, "
                                   "description TEXT NOT NULL, "
                                   "applied_at_us BIGINT NOT NULL)")
                             .status());
  VLMLAB_ASSIGN_OR_RETURN(SqlResult current_result,
                          c.Execute("SELECT MAX(version) FROM schema_version"));
  VLMLAB_ASSIGN_OR_RETURN(std::optional<int64_t> current, current_result.rows.at(0).OptionalInt(0));
  const int64_t have = current.value_or(0);
  const int64_t latest = migrations.empty() ? 0 : migrations.back().version;
  if (have > latest) {
    return absl::FailedPreconditionError(
        absl::StrCat("store ", c.display_url(), " has schema version ", have,
                     ", newer than this vlmlab build knows (up to ", latest,
                     "); use a newer vlmlab to open it, or point runtime.store at another store"));
  }
  for (const Migration& m : migrations) {
    if (m.version <= have) continue;
    for (absl::string_view statement : m.statements) {
      absl::Status status = c.Execute(ForEngine(statement, c.engine())).status();
      if (!status.ok()) {
        return absl::Status(status.code(), absl::StrCat("migrating to schema version ", m.version,
                                                        ": ", status.message()));
      }
    }
    VLMLAB_RETURN_IF_ERROR(
        c.Execute("INSERT INTO schema_version (version, description, applied_at_us) "
                  "VALUES (?, ?, ?)",
                  {SqlValue(int64_t{m.version}), SqlText(m.description),
                   SqlValue(absl::ToUnixMicros(absl::Now()))})
            .status());
  }
  return absl::OkStatus();
}

}  // namespace

const std::vector<Migration>& Migrations() {
  static const auto* migrations = new std::vector<Migration>{
      {1,
       "sweeps, runs, run_fields, scalars, metrics, predictions",
       {
           "CREATE TABLE sweeps ("
           "id {TEXT_C} PRIMARY KEY, "
           "name TEXT NOT NULL, "
           "spec_text TEXT NOT NULL, "
           "created_at_us BIGINT NOT NULL)",

           "CREATE TABLE runs ("
           "id {TEXT_C} PRIMARY KEY, "
           "sweep_id {TEXT_C} REFERENCES sweeps (id), "
           "variant TEXT NOT NULL, "
           "seed BIGINT NOT NULL, "
           "spec_hash TEXT NOT NULL, "
           "spec_text TEXT NOT NULL, "
           "status TEXT NOT NULL "
           "CHECK (status IN ('pending', 'running', 'completed', 'failed')), "
           "error TEXT NOT NULL DEFAULT '', "
           "worker TEXT NOT NULL DEFAULT '', "
           "created_at_us BIGINT NOT NULL, "
           "started_at_us BIGINT, "
           "finished_at_us BIGINT, "
           "parameters BIGINT, "
           "trainable_parameters BIGINT, "
           "visual_tokens_per_image BIGINT, "
           "train_flops DOUBLE PRECISION, "
           "samples_per_second DOUBLE PRECISION)",

           "CREATE INDEX runs_by_sweep ON runs (sweep_id, created_at_us)",
           "CREATE INDEX runs_by_spec_hash ON runs (spec_hash)",

           "CREATE TABLE run_fields ("
           "run_id {TEXT_C} NOT NULL REFERENCES runs (id) ON DELETE CASCADE, "
           "path {TEXT_C} NOT NULL, "
           "value TEXT NOT NULL, "
           "PRIMARY KEY (run_id, path))",

           "CREATE INDEX run_fields_by_path ON run_fields (path, run_id)",

           "CREATE TABLE scalars ("
           "run_id {TEXT_C} NOT NULL REFERENCES runs (id) ON DELETE CASCADE, "
           "key {TEXT_C} NOT NULL, "
           "stage {TEXT_C} NOT NULL, "
           "step BIGINT NOT NULL, "
           "value DOUBLE PRECISION, "
           "wall_time_us BIGINT, "
           "PRIMARY KEY (run_id, key, stage, step))",

           "CREATE TABLE metrics ("
           "run_id {TEXT_C} NOT NULL REFERENCES runs (id) ON DELETE CASCADE, "
           "evaluator {TEXT_C} NOT NULL, "
           "key {TEXT_C} NOT NULL, "
           "value DOUBLE PRECISION, "
           "ci_low DOUBLE PRECISION, "
           "ci_high DOUBLE PRECISION, "
           "n BIGINT, "
           "PRIMARY KEY (run_id, evaluator, key))",

           "CREATE TABLE predictions ("
           "run_id {TEXT_C} NOT NULL REFERENCES runs (id) ON DELETE CASCADE, "
           "evaluator {TEXT_C} NOT NULL, "
           "example_key {TEXT_C} NOT NULL, "
           "score DOUBLE PRECISION, "
           "data TEXT NOT NULL, "
           "PRIMARY KEY (run_id, evaluator, example_key))",
       }},
  };
  return *migrations;
}

absl::Status ApplyMigrations(SqlConnection& c, absl::Span<const Migration> migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    CHECK_EQ(migrations[i].version, static_cast<int>(i) + 1) << "migrations must be 1, 2, ...";
  }
  VLMLAB_RETURN_IF_ERROR(c.BeginWrite());
  absl::Status status = MigrateLocked(c, migrations);
  if (status.ok()) status = c.Commit();
  if (!status.ok()) c.Rollback();
  return status;
}

absl::StatusOr<int> ReadSchemaVersion(SqlConnection& c) {
  const absl::string_view exists_sql =
      c.engine() == StoreEngine::kPostgres
          ? "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
            "AND tablename = 'schema_version'"
          : "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = "
            "'schema_version'";
  VLMLAB_ASSIGN_OR_RETURN(SqlResult exists, c.Execute(exists_sql));
  VLMLAB_ASSIGN_OR_RETURN(int64_t tables, exists.rows.at(0).Int(0));
  if (tables == 0) return 0;
  VLMLAB_ASSIGN_OR_RETURN(SqlResult result, c.Execute("SELECT MAX(version) FROM schema_version"));
  VLMLAB_ASSIGN_OR_RETURN(std::optional<int64_t> version, result.rows.at(0).OptionalInt(0));
  return static_cast<int>(version.value_or(0));
}

}  // namespace vlmlab::store
