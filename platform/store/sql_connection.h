// The small SQL layer the store's engines implement: run one statement with bound parameters,
// get its rows, and group statements into write transactions. Internal to platform/store
// (and its tests); SqlStore writes its SQL once, with `?` placeholders, for both engines.
//
//   VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<SqlConnection> c, OpenSqlConnection(url));
//   VLMLAB_ASSIGN_OR_RETURN(SqlResult r,
//                           c->Execute("SELECT status FROM runs WHERE id = ?", {run_id}));
//   if (!r.rows.empty()) { VLMLAB_ASSIGN_OR_RETURN(std::string s, r.rows[0].Text(0)); }
#ifndef VLMLAB_PLATFORM_STORE_SQL_CONNECTION_H_
#define VLMLAB_PLATFORM_STORE_SQL_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "platform/store/store_url.h"

namespace vlmlab::store {

// A bound parameter or a result cell. NULL is std::monostate. Doubles that are NaN are bound
// as NULL (SQLite cannot store NaN), so nullable REAL columns read NULL back as NaN.
using SqlValue = std::variant<std::monostate, int64_t, double, std::string>;

SqlValue SqlNull();
SqlValue SqlText(absl::string_view s);
SqlValue SqlOptionalInt(const std::optional<int64_t>& v);
SqlValue SqlOptionalDouble(const std::optional<double>& v);
SqlValue SqlOptionalText(const std::optional<std::string>& v);

// One result row. Accessors convert between the engines' representations (PostgreSQL returns
// text); a cell that does not convert is an Internal error naming the column.
class SqlRow {
 public:
  explicit SqlRow(std::vector<SqlValue> cells) : cells_(std::move(cells)) {}
  size_t size() const { return cells_.size(); }
  bool IsNull(size_t i) const;
  absl::StatusOr<int64_t> Int(size_t i) const;
  absl::StatusOr<double> Double(size_t i) const;  // NULL reads as NaN
  absl::StatusOr<std::string> Text(size_t i) const;
  absl::StatusOr<std::optional<int64_t>> OptionalInt(size_t i) const;
  absl::StatusOr<std::optional<double>> OptionalDouble(size_t i) const;
  absl::StatusOr<std::optional<std::string>> OptionalText(size_t i) const;

 private:
  std::vector<SqlValue> cells_;
};

struct SqlResult {
  std::vector<SqlRow> rows;
  int64_t affected_rows = 0;  // INSERT / UPDATE / DELETE
};

// Error codes an engine maps to: Unavailable (locked past the busy timeout, connection lost),
// Aborted (serialization failure or deadlock: the transaction may be retried),
// FailedPrecondition (a constraint), Internal (anything else). Messages name the store.
class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  virtual StoreEngine engine() const = 0;
  virtual const std::string& display_url() const = 0;

  // One statement; `?` marks each parameter, in order.
  virtual absl::StatusOr<SqlResult> Execute(absl::string_view sql,
                                            absl::Span<const SqlValue> params) = 0;
  absl::StatusOr<SqlResult> Execute(absl::string_view sql) { return Execute(sql, {}); }

  // A write transaction, holding the engine's write lock from the start where it has one
  // (SQLite: BEGIN IMMEDIATE), so that it never fails half-way on a lock upgrade.
  virtual absl::Status BeginWrite() = 0;
  virtual absl::Status Commit() = 0;
  virtual void Rollback() = 0;  // best effort; leaves no transaction open
};

// Opens a connection for the parsed URL, without touching the schema.
absl::StatusOr<std::unique_ptr<SqlConnection>> OpenSqlConnection(const StoreUrl& url);

}  // namespace vlmlab::store

#endif  // VLMLAB_PLATFORM_STORE_SQL_CONNECTION_H_
