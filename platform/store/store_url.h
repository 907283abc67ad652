// Which engine a store URL names, and where: the parsing half of OpenStore (store.h).
//
//   VLMLAB_ASSIGN_OR_RETURN(StoreUrl u, ParseStoreUrl("sqlite:runs/a.db"));
//   // u.engine == StoreEngine::kSqlite, u.target == "runs/a.db"
#ifndef VLMLAB_PLATFORM_STORE_STORE_URL_H_
#define VLMLAB_PLATFORM_STORE_STORE_URL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vlmlab::store {

enum class StoreEngine { kSqlite, kPostgres };

struct StoreUrl {
  StoreEngine engine = StoreEngine::kSqlite;
  std::string target;   // SQLite: the file path; PostgreSQL: the libpq connection URI
  std::string display;  // the URL for messages, without a password
};

// "sqlite:PATH" | PATH ending in .db/.sqlite/.sqlite3 | "postgresql://..." | "postgres://...".
// InvalidArgument, naming the URL and the accepted forms, otherwise.
absl::StatusOr<StoreUrl> ParseStoreUrl(absl::string_view url);

}  // namespace vlmlab::store

#endif  // VLMLAB_PLATFORM_STORE_STORE_URL_H_
