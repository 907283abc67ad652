#include "platform/store/sqlite_connection.h"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "platform/base/status_macros.h"

namespace vlmlab::store {
namespace {

class SqliteConnection : public SqlConnection {
 public:
  SqliteConnection(sqlite3* db, std::string display) : db_(db), display_(std::move(display)) {}
  ~SqliteConnection() override {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  StoreEngine engine() const override { return StoreEngine::kSqlite; }
  const std::string& display_url() const override { return display_; }

  using SqlConnection::Execute;

  absl::StatusOr<SqlResult> Execute(absl::string_view sql,
                                    absl::Span<const SqlValue> params) override {
    VLMLAB_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
    const int expected = sqlite3_bind_parameter_count(stmt);
    if (expected != static_cast<int>(params.size())) {
      return absl::InternalError(absl::StrCat("store ", display_, ": statement takes ", expected,
                                              " parameters, given ", params.size(), ": ", sql));
    }
    absl::Status status = Bind(stmt, params, sql);
    SqlResult result;
    while (status.ok()) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_ROW) {
        result.rows.push_back(ReadRow(stmt));
      } else if (rc == SQLITE_DONE) {
        result.affected_rows = sqlite3_changes64(db_);
        break;
      } else {
        status = Error(rc, sql);
      }
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    if (!status.ok()) return status;
    return result;
  }

  absl::Status BeginWrite() override { return Execute("BEGIN IMMEDIATE").status(); }
  absl::Status Commit() override { return Execute("COMMIT").status(); }
  void Rollback() override {
    if (sqlite3_get_autocommit(db_) == 0) (void)Execute("ROLLBACK");
  }

  absl::Status Error(int rc, absl::string_view sql) const {
    const std::string message = absl::StrCat("store ", display_, ": ", sqlite3_errmsg(db_), " (",
                                             sqlite3_errstr(rc), ") in: ", sql.substr(0, 80));
    switch (rc & 0xff) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        return absl::UnavailableError(
            absl::StrCat(message, "; another process held the database for longer than ",
                         kSqliteBusyTimeoutMs / 1000, " s"));
      case SQLITE_CONSTRAINT:
        return absl::FailedPreconditionError(message);
      case SQLITE_NOTADB:
      case SQLITE_CORRUPT:
        return absl::DataLossError(
            absl::StrCat(message, "; the file is not a usable SQLite database"));
      case SQLITE_READONLY:
      case SQLITE_CANTOPEN:
      case SQLITE_PERM:
      case SQLITE_FULL:
      case SQLITE_IOERR:
        return absl::FailedPreconditionError(
            absl::StrCat(message, "; check the file's permissions and free disk space"));
      default:
        return absl::InternalError(message);
    }
  }

 private:
  absl::StatusOr<sqlite3_stmt*> Prepare(absl::string_view sql) {
    auto it = statements_.find(sql);
    if (it != statements_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return Error(rc, sql);
    }
    statements_.emplace(std::string(sql), stmt);
    return stmt;
  }

  absl::Status Bind(sqlite3_stmt* stmt, absl::Span<const SqlValue> params, absl::string_view sql) {
    for (size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      const SqlValue& v = params[i];
      int rc;
      if (const int64_t* x = std::get_if<int64_t>(&v)) {
        rc = sqlite3_bind_int64(stmt, index, *x);
      } else if (const double* x = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(stmt, index, *x);  // NaN is stored as NULL
      } else if (const std::string* x = std::get_if<std::string>(&v)) {
        rc = sqlite3_bind_text64(stmt, index, x->data(), x->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      } else {
        rc = sqlite3_bind_null(stmt, index);
      }
      if (rc != SQLITE_OK) return Error(rc, sql);
    }
    return absl::OkStatus();
  }

  static SqlRow ReadRow(sqlite3_stmt* stmt) {
    const int n = sqlite3_column_count(stmt);
    std::vector<SqlValue> cells;
    cells.reserve(n);
    for (int i = 0; i < n; ++i) {
      switch (sqlite3_column_type(stmt, i)) {
        case SQLITE_INTEGER:
          cells.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt, i)));
          break;
        case SQLITE_FLOAT:
          cells.emplace_back(sqlite3_column_double(stmt, i));
          break;
        case SQLITE_NULL:
          cells.emplace_back(std::monostate());
          break;
        default: {  // TEXT or BLOB: bytes as stored
          const void* data = sqlite3_column_blob(stmt, i);
          const int size = sqlite3_column_bytes(stmt, i);
          cells.emplace_back(std::string(static_cast<const char*>(data), size));
        }
      }
    }
    return SqlRow(std::move(cells));
  }

  sqlite3* db_;
  std::string display_;
  absl::flat_hash_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SqlConnection>> OpenSqliteConnection(const StoreUrl& url) {
  const std::filesystem::path path(url.target);
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return absl::FailedPreconditionError(
          absl::StrCat("store ", url.display, ": cannot create directory '",
                       path.parent_path().string(), "': ", ec.message()));
    }
  }
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(url.target.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return absl::FailedPreconditionError(
        absl::StrCat("store ", url.display, ": cannot open '", url.target, "': ", message,
                     "; check that the directory exists and is writable"));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kSqliteBusyTimeoutMs);
  auto connection = std::make_unique<SqliteConnection>(db, url.display);

  // Switching a new file to WAL needs an exclusive lock. When several processes open the same
  // new file at once, SQLite answers SQLITE_BUSY at once instead of calling the busy handler
  // (each side already holds a shared lock, so waiting could deadlock); back off and retry
  // until the busy timeout instead.
  absl::StatusOr<SqlResult> mode = connection->Execute("PRAGMA journal_mode=WAL");
  const absl::Time deadline = absl::Now() + absl::Milliseconds(kSqliteBusyTimeoutMs);
  absl::Duration backoff = absl::Milliseconds(2);
  while (absl::IsUnavailable(mode.status()) && absl::Now() < deadline) {
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Milliseconds(100));
    mode = connection->Execute("PRAGMA journal_mode=WAL");
  }
  VLMLAB_RETURN_IF_ERROR(mode.status());
  VLMLAB_ASSIGN_OR_RETURN(std::string mode_name, mode->rows.at(0).Text(0));
  if (mode_name != "wal") {
    return absl::FailedPreconditionError(absl::StrCat(
        "store ", url.display, ": cannot switch the database to WAL mode (it stays in '", mode_name,
        "' mode); put the file on a local file system"));
  }
  VLMLAB_RETURN_IF_ERROR(connection->Execute("PRAGMA synchronous=NORMAL").status());
  VLMLAB_RETURN_IF_ERROR(connection->Execute("PRAGMA foreign_keys=ON").status());
  return std::unique_ptr<SqlConnection>(std::move(connection));
}

}  // namespace vlmlab::store
