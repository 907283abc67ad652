// Versioned schema migrations of the results store. The store records each applied migration
// in `schema_version` (version, description, applied_at_us); opening a store applies the
// missing ones in order, all in one write transaction (so a failure leaves the schema as it
// was), and refuses a store whose version is newer than this build knows.
//
//   VLMLAB_RETURN_IF_ERROR(ApplyMigrations(connection, Migrations()));
//
// To change the schema, append a Migration with the next version; never edit a released one.
// Write portable SQL: types TEXT, BIGINT, DOUBLE PRECISION work in SQLite and PostgreSQL.
#ifndef VLMLAB_PLATFORM_STORE_MIGRATIONS_H_
#define VLMLAB_PLATFORM_STORE_MIGRATIONS_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "platform/store/sql_connection.h"

namespace vlmlab::store {

struct Migration {
  int version;  // 1, 2, 3, ... in order
  absl::string_view description;
  std::vector<absl::string_view> statements;
};

// The schema version this build writes: Migrations().back().version.
inline constexpr int kSchemaVersion = 1;

const std::vector<Migration>& Migrations();

// Brings the schema up to migrations.back().version. FailedPrecondition, naming both
// versions, when the store is newer. On PostgreSQL an advisory lock serialises concurrent
// openers; on SQLite the write transaction does.
absl::Status ApplyMigrations(SqlConnection& connection, absl::Span<const Migration> migrations);

// The highest applied version; 0 for an empty database.
absl::StatusOr<int> ReadSchemaVersion(SqlConnection& connection);

}  // namespace vlmlab::store

#endif  // VLMLAB_PLATFORM_STORE_MIGRATIONS_H_
