// The PostgreSQL engine of the SQL layer (sql_connection.h), through libpq: one connection per
// object, every value sent as a bound parameter (PQexecParams), `?` placeholders rewritten to
// `$n`. A lost connection is re-established before the next statement outside a transaction.
//
//   VLMLAB_ASSIGN_OR_RETURN(std::unique_ptr<SqlConnection> c, OpenPostgresConnection(
//       *ParseStoreUrl("postgresql://vlmlab@127.0.0.1:5432/results")));
//
// A connection must not be used across fork(): the child opens its own.
#ifndef VLMLAB_PLATFORM_STORE_POSTGRES_CONNECTION_H_
#define VLMLAB_PLATFORM_STORE_POSTGRES_CONNECTION_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "platform/store/sql_connection.h"
#include "platform/store/store_url.h"

namespace vlmlab::store {

// Connects with the libpq URI in url.target (UTF-8 client encoding, exact float output,
// server notices dropped).
absl::StatusOr<std::unique_ptr<SqlConnection>> OpenPostgresConnection(const StoreUrl& url);

// "a = ? AND b = '?'" -> "a = $1 AND b = '?'": placeholders outside quotes, numbered in order.
std::string NumberPlaceholders(absl::string_view sql);

}  // namespace vlmlab::store

#endif  // VLMLAB_PLATFORM_STORE_POSTGRES_CONNECTION_H_
