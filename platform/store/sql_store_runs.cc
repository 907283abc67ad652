// SqlStore: sweeps and runs (definitions, status transitions, costs, fields).
#include <unistd.h>

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "platform/base/status_macros.h"
#include "platform/store/sql_store.h"
#include "platform/store/text_checks.h"
#include "platform/store/worker_identity.h"

namespace vlmlab::store {
namespace {

int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

std::optional<absl::Time> OptionalTime(const std::optional<int64_t>& micros) {
  if (!micros.has_value()) return std::nullopt;
  return absl::FromUnixMicros(*micros);
}

constexpr absl::string_view kRunColumns =
    "id, sweep_id, variant, seed, spec_hash, spec_text, status, error, worker, created_at_us, "
    "started_at_us, finished_at_us, parameters, trainable_parameters, visual_tokens_per_image, "
    "train_flops, samples_per_second";

absl::StatusOr<RunRecord> ReadRun(const SqlRow& row) {
  RunRecord run;
  VLMLAB_ASSIGN_OR_RETURN(run.id, row.Text(0));
  VLMLAB_ASSIGN_OR_RETURN(run.sweep_id, row.OptionalText(1));
  VLMLAB_ASSIGN_OR_RETURN(run.variant, row.Text(2));
  VLMLAB_ASSIGN_OR_RETURN(run.seed, row.Int(3));
  VLMLAB_ASSIGN_OR_RETURN(run.spec_hash, row.Text(4));
  VLMLAB_ASSIGN_OR_RETURN(run.spec_text, row.Text(5));
  VLMLAB_ASSIGN_OR_RETURN(std::string status, row.Text(6));
  VLMLAB_ASSIGN_OR_RETURN(run.status, ParseRunStatus(status));
  VLMLAB_ASSIGN_OR_RETURN(run.error, row.Text(7));
  VLMLAB_ASSIGN_OR_RETURN(run.worker, row.Text(8));
  VLMLAB_ASSIGN_OR_RETURN(int64_t created, row.Int(9));
  run.created_at = absl::FromUnixMicros(created);
  VLMLAB_ASSIGN_OR_RETURN(std::optional<int64_t> started, row.OptionalInt(10));
  run.started_at = OptionalTime(started);
  VLMLAB_ASSIGN_OR_RETURN(std::optional<int64_t> finished, row.OptionalInt(11));
  run.finished_at = OptionalTime(finished);
  VLMLAB_ASSIGN_OR_RETURN(run.cost.parameters, row.OptionalInt(12));
  VLMLAB_ASSIGN_OR_RETURN(run.cost.trainable_parameters, row.OptionalInt(13));
  VLMLAB_ASSIGN_OR_RETURN(run.cost.visual_tokens_per_image, row.OptionalInt(14));
  VLMLAB_ASSIGN_OR_RETURN(run.cost.train_flops, row.OptionalDouble(15));
  VLMLAB_ASSIGN_OR_RETURN(run.cost.samples_per_second, row.OptionalDouble(16));
  return run;
}

absl::StatusOr<SweepRecord> ReadSweep(const SqlRow& row) {
  SweepRecord sweep;
  VLMLAB_ASSIGN_OR_RETURN(sweep.id, row.Text(0));
  VLMLAB_ASSIGN_OR_RETURN(sweep.name, row.Text(1));
  VLMLAB_ASSIGN_OR_RETURN(sweep.spec_text, row.Text(2));
  VLMLAB_ASSIGN_OR_RETURN(int64_t created, row.Int(3));
  sweep.created_at = absl::FromUnixMicros(created);
  return sweep;
}

absl::Status CheckRunDefinition(const RunDefinition& run) {
  VLMLAB_RETURN_IF_ERROR(CheckId("run id", run.id));
  const std::string where = absl::StrCat("run '", run.id, "' ");
  if (run.sweep_id.has_value()) {
    VLMLAB_RETURN_IF_ERROR(CheckId(absl::StrCat(where, "sweep_id"), *run.sweep_id));
  }
  VLMLAB_RETURN_IF_ERROR(CheckText(absl::StrCat(where, "variant"), run.variant));
  VLMLAB_RETURN_IF_ERROR(CheckText(absl::StrCat(where, "spec_hash"), run.spec_hash));
  VLMLAB_RETURN_IF_ERROR(CheckText(absl::StrCat(where, "spec_text"), run.spec_text));
  std::set<absl::string_view> paths;
  for (const RunField& f : run.fields) {
    VLMLAB_RETURN_IF_ERROR(CheckId(absl::StrCat(where, "field path"), f.path));
    VLMLAB_RETURN_IF_ERROR(CheckText(absl::StrCat(where, "field '", f.path, "'"), f.value));
    if (!paths.insert(f.path).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "lists field '", f.path, "' twice; give each path once"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status SqlStore::EnsureSweep(const SweepRecord& sweep) {
  VLMLAB_RETURN_IF_ERROR(CheckId("sweep id", sweep.id));
  VLMLAB_RETURN_IF_ERROR(CheckText(absl::StrCat("sweep '", sweep.id, "' name"), sweep.name));
  VLMLAB_RETURN_IF_ERROR(
      CheckText(absl::StrCat("sweep '", sweep.id, "' spec_text"), sweep.spec_text));
  return WriteTransaction([&](SqlConnection& c) -> absl::Status {
    VLMLAB_ASSIGN_OR_RETURN(
        SqlResult existing,
        c.Execute("SELECT name, spec_text FROM sweeps WHERE id = ?", {SqlText(sweep.id)}));
    if (existing.rows.empty()) {
      return c
          .Execute("INSERT INTO sweeps (id, name, spec_text, created_at_us) VALUES (?, ?, ?, ?)",
                   {SqlText(sweep.id), SqlText(sweep.name), SqlText(sweep.spec_text),
                    SqlValue(NowMicros())})
          .status();
    }
    VLMLAB_ASSIGN_OR_RETURN(std::string name, existing.rows[0].Text(0));
    VLMLAB_ASSIGN_OR_RETURN(std::string spec_text, existing.rows[0].Text(1));
    if (name != sweep.name || spec_text != sweep.spec_text) {
      return absl::AlreadyExistsError(absl::StrCat(
          "sweep '", sweep.id, "' is already in store ", url_, " with a different ",
          name != sweep.name ? "name" : "spec text", "; give the changed sweep a new id"));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<SweepRecord> SqlStore::GetSweep(absl::string_view sweep_id) {
  std::lock_guard<std::mutex> lock(mu_);
  VLMLAB_ASSIGN_OR_RETURN(
      SqlResult r, c_->Execute("SELECT id, name, spec_text, created_at_us FROM sweeps WHERE id = ?",
                               {SqlText(sweep_id)}));
  if (r.rows.empty()) {
    return absl::NotFoundError(absl::StrCat("sweep '", sweep_id, "' is not in store ", url_));
  }
  return ReadSweep(r.rows[0]);
}

absl::StatusOr<std::vector<SweepRecord>> SqlStore::ListSweeps() {
  std::lock_guard<std::mutex> lock(mu_);
  VLMLAB_ASSIGN_OR_RETURN(
      SqlResult r,
      c_->Execute(
          "SELECT id, name, spec_text, created_at_us FROM sweeps ORDER BY created_at_us, id"));
  std::vector<SweepRecord> sweeps;
  for (const SqlRow& row : r.rows) {
    VLMLAB_ASSIGN_OR_RETURN(SweepRecord sweep, ReadSweep(row));
    sweeps.push_back(std::move(sweep));
  }
  return sweeps;
}

absl::Status SqlStore::UpsertRun(const RunDefinition& run) {
  VLMLAB_RETURN_IF_ERROR(CheckRunDefinition(run));
  return WriteTransaction([&](SqlConnection& c) -> absl::Status {
    if (run.sweep_id.has_value()) {
      VLMLAB_ASSIGN_OR_RETURN(SqlResult sweep, c.Execute("SELECT 1 FROM sweeps WHERE id = ?",
                                                         {SqlText(*run.sweep_id)}));
      if (sweep.rows.empty()) {
        return absl::NotFoundError(absl::StrCat("run '", run.id, "' names sweep '", *run.sweep_id,
                                                "', which is not in store ", url_,
                                                "; add it with EnsureSweep first"));
      }
    }
    VLMLAB_RETURN_IF_ERROR(
        c.Execute("INSERT INTO runs (id, sweep_id, variant, seed, spec_hash, spec_text, status, "
                  "created_at_us) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?) "
                  "ON CONFLICT (id) DO UPDATE SET sweep_id = excluded.sweep_id, "
                  "variant = excluded.variant, seed = excluded.seed, "
                  "spec_hash = excluded.spec_hash, spec_text = excluded.spec_text",
                  {SqlText(run.id), SqlOptionalText(run.sweep_id), SqlText(run.variant),
                   SqlValue(run.seed), SqlText(run.spec_hash), SqlText(run.spec_text),
                   SqlValue(NowMicros())})
            .status());
    VLMLAB_RETURN_IF_ERROR(
        c.Execute("DELETE FROM run_fields WHERE run_id = ?", {SqlText(run.id)}).status());
    for (const RunField& f : run.fields) {
      VLMLAB_RETURN_IF_ERROR(
          c.Execute("INSERT INTO run_fields (run_id, path, value) VALUES (?, ?, ?)",
                    {SqlText(run.id), SqlText(f.path), SqlText(f.value)})
              .status());
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> SqlStore::ClaimRun(absl::string_view run_id) {
  bool claimed = false;
  VLMLAB_RETURN_IF_ERROR(WriteTransaction([&](SqlConnection& c) -> absl::Status {
    // One statement decides: the database serialises concurrent UPDATEs of the row, and the
    // loser sees status 'running' and matches nothing.
    VLMLAB_ASSIGN_OR_RETURN(
        SqlResult r, c.Execute("UPDATE runs SET status = 'running', worker = ?, started_at_us = ?, "
                               "finished_at_us = NULL, error = '' "
                               "WHERE id = ? AND status IN ('pending', 'failed')",
                               {SqlText(ThisWorker()), SqlValue(NowMicros()), SqlText(run_id)}));
    claimed = r.affected_rows == 1;
    if (!claimed) return StatusOf(c, run_id).status();  // NotFound, or someone else's
    return absl::OkStatus();
  }));
  return claimed;
}

absl::Status SqlStore::FinishRun(absl::string_view run_id, RunStatus status,
                                 absl::string_view error) {
  VLMLAB_RETURN_IF_ERROR(CheckText(absl::StrCat("run '", run_id, "' error"), error));
  return WriteTransaction([&](SqlConnection& c) -> absl::Status {
    VLMLAB_ASSIGN_OR_RETURN(SqlResult r,
                            c.Execute("UPDATE runs SET status = ?, error = ?, finished_at_us = ? "
                                      "WHERE id = ? AND status = 'running'",
                                      {SqlText(RunStatusName(status)), SqlText(error),
                                       SqlValue(NowMicros()), SqlText(run_id)}));
    if (r.affected_rows == 1) return absl::OkStatus();
    VLMLAB_ASSIGN_OR_RETURN(std::string now, StatusOf(c, run_id));
    return absl::FailedPreconditionError(
        absl::StrCat("run '", run_id, "' is ", now, ", not running, so it cannot become ",
                     RunStatusName(status), "; claim it with ClaimRun first"));
  });
}

absl::Status SqlStore::CompleteRun(absl::string_view run_id) {
  return FinishRun(run_id, RunStatus::kCompleted, "");
}

absl::Status SqlStore::FailRun(absl::string_view run_id, absl::string_view error) {
  return FinishRun(run_id, RunStatus::kFailed, error);
}

absl::Status SqlStore::ResetRun(absl::string_view run_id) {
  return WriteTransaction([&](SqlConnection& c) -> absl::Status {
    VLMLAB_ASSIGN_OR_RETURN(
        SqlResult r, c.Execute("UPDATE runs SET status = 'pending', error = '', worker = '', "
                               "started_at_us = NULL, finished_at_us = NULL WHERE id = ?",
                               {SqlText(run_id)}));
    if (r.affected_rows == 1) return absl::OkStatus();
    return StatusOf(c, run_id).status();
  });
}

absl::Status SqlStore::SetRunCost(absl::string_view run_id, const RunCost& cost) {
  return WriteTransaction([&](SqlConnection& c) -> absl::Status {
    VLMLAB_ASSIGN_OR_RETURN(
        SqlResult r,
        c.Execute(
            "UPDATE runs SET parameters = COALESCE(?, parameters), "
            "trainable_parameters = COALESCE(?, trainable_parameters), "
            "visual_tokens_per_image = COALESCE(?, visual_tokens_per_image), "
            "train_flops = COALESCE(?, train_flops), "
            "samples_per_second = COALESCE(?, samples_per_second) WHERE id = ?",
            {SqlOptionalInt(cost.parameters), SqlOptionalInt(cost.trainable_parameters),
             SqlOptionalInt(cost.visual_tokens_per_image), SqlOptionalDouble(cost.train_flops),
             SqlOptionalDouble(cost.samples_per_second), SqlText(run_id)}));
    if (r.affected_rows == 1) return absl::OkStatus();
    return StatusOf(c, run_id).status();
  });
}

absl::StatusOr<RunRecord> SqlStore::GetRun(absl::string_view run_id) {
  std::lock_guard<std::mutex> lock(mu_);
  VLMLAB_ASSIGN_OR_RETURN(
      SqlResult r, c_->Execute(absl::StrCat("SELECT ", kRunColumns, " FROM runs WHERE id = ?"),
                               {SqlText(run_id)}));
  if (r.rows.empty()) {
    return absl::NotFoundError(absl::StrCat("run '", run_id, "' is not in store ", url_));
  }
  return ReadRun(r.rows[0]);
}

absl::StatusOr<std::vector<RunRecord>> SqlStore::ListRuns(absl::string_view sweep_id) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<SqlResult> r =
      sweep_id.empty()
          ? c_->Execute(
                absl::StrCat("SELECT ", kRunColumns, " FROM runs ORDER BY created_at_us, id"))
          : c_->Execute(absl::StrCat("SELECT ", kRunColumns,
                                     " FROM runs WHERE sweep_id = ? ORDER BY created_at_us, id"),
                        {SqlText(sweep_id)});
  if (!r.ok()) return r.status();
  std::vector<RunRecord> runs;
  for (const SqlRow& row : r->rows) {
    VLMLAB_ASSIGN_OR_RETURN(RunRecord run, ReadRun(row));
    runs.push_back(std::move(run));
  }
  return runs;
}

absl::StatusOr<std::vector<RunField>> SqlStore::RunFields(absl::Span<const std::string> run_ids) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<RunField> fields;
  for (const std::string& id : SortedUnique(run_ids)) {
    VLMLAB_ASSIGN_OR_RETURN(
        SqlResult r,
        c_->Execute("SELECT path, value FROM run_fields WHERE run_id = ? ORDER BY path",
                    {SqlText(id)}));
    for (const SqlRow& row : r.rows) {
      RunField f;
      f.run_id = id;
      VLMLAB_ASSIGN_OR_RETURN(f.path, row.Text(0));
      VLMLAB_ASSIGN_OR_RETURN(f.value, row.Text(1));
      fields.push_back(std::move(f));
    }
  }
  return fields;
}

}  // namespace vlmlab::store
