// The SQLite engine of the SQL layer (sql_connection.h): one database file in WAL mode, so
// readers never block the writer and several processes can write one file, each waiting up
// to a busy timeout for the write lock. Statements are prepared once and cached.
//
//   VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<SqlConnection> c,
//                           OpenSqliteConnection(*ParseStoreUrl("sqlite:/tmp/r.db")));
//
// A connection must not be used across fork(): the child opens its own.
#ifndef VLMLAB_PLATFORM_STORE_SQLITE_CONNECTION_H_
#define VLMLAB_PLATFORM_STORE_SQLITE_CONNECTION_H_

#include <memory>

#include "absl/status/statusor.h"
#include "platform/store/sql_connection.h"
#include "platform/store/store_url.h"

namespace vlmlab::store {

// How long a writer waits for another process's write lock before failing with Unavailable.
inline constexpr int kSqliteBusyTimeoutMs = 60000;

// Creates the file (and its parent directories) when missing, then sets WAL mode,
// synchronous=NORMAL, foreign keys on and the busy timeout.
absl::StatusOr<std::unique_ptr<SqlConnection>> OpenSqliteConnection(const StoreUrl& url);

}  // namespace vlmlab::store

#endif  // VLMLAB_PLATFORM_STORE_SQLITE_CONNECTION_H_
