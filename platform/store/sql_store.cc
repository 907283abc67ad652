#include "platform/store/sql_store.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "platform/base/status_macros.h"
#include "platform/store/migrations.h"
#include "platform/store/store_url.h"

namespace vlmlab::store {

std::vector<std::string> SortedUnique(absl::Span<const std::string> ids) {
  std::vector<std::string> out(ids.begin(), ids.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

SqlStore::SqlStore(std::unique_ptr<SqlConnection> connection)
    : url_(connection->display_url()), engine_(connection->engine()), c_(std::move(connection)) {}

absl::string_view SqlStore::engine() const {
  return engine_ == StoreEngine::kPostgres ? "postgresql" : "sqlite";
}

absl::StatusOr<int> SqlStore::SchemaVersion() {
  std::lock_guard<std::mutex> lock(mu_);
  return ReadSchemaVersion(*c_);
}

absl::Status SqlStore::WriteTransaction(const std::function<absl::Status(SqlConnection&)>& body) {
  std::lock_guard<std::mutex> lock(mu_);
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    VLMLAB_RETURN_IF_ERROR(c_->BeginWrite());
    absl::Status status = body(*c_);
    if (status.ok()) status = c_->Commit();
    if (status.ok()) return status;
    c_->Rollback();
    // Aborted: a serialization failure or deadlock; the transaction can simply run again.
    if (!absl::IsAborted(status) || attempt == kAttempts) return status;
    absl::SleepFor(absl::Milliseconds(5 << attempt));
  }
}

absl::StatusOr<std::string> SqlStore::StatusOf(SqlConnection& c, absl::string_view run_id) {
  VLMLAB_ASSIGN_OR_RETURN(SqlResult r,
                          c.Execute("SELECT status FROM runs WHERE id = ?", {SqlText(run_id)}));
  if (r.rows.empty()) {
    return absl::NotFoundError(
        absl::StrCat("run '", run_id, "' is not in store ", url_, "; add it with UpsertRun first"));
  }
  return r.rows[0].Text(0);
}

absl::Status SqlStore::RequireRuns(SqlConnection& c, const std::vector<std::string>& run_ids) {
  for (const std::string& id : run_ids) VLMLAB_RETURN_IF_ERROR(StatusOf(c, id).status());
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Store>> OpenStore(absl::string_view url) {
  VLMLAB_ASSIGN_OR_RETURN(StoreUrl parsed, ParseStoreUrl(url));
  VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<SqlConnection> connection, OpenSqlConnection(parsed));
  VLMLAB_RETURN_IF_ERROR(ApplyMigrations(*connection, Migrations()));
  return std::unique_ptr<Store>(std::make_unique<SqlStore>(std::move(connection)));
}

}  // namespace vlmlab::store
