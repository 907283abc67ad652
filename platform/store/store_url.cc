#include "platform/store/store_url.h"

#include <algorithm>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace vlmlab::store {
namespace {

// "...?password=secret&x=1" -> "...?password=***&x=1".
std::string WithoutQueryPassword(std::string uri) {
  const size_t query = uri.find('?');
  if (query == std::string::npos) return uri;
  for (size_t at = uri.find("password=", query); at != std::string::npos;
       at = uri.find("password=", at + 1)) {
    const char before = uri[at - 1];
    if (before != '?' && before != '&') continue;
    const size_t value = at + 9;
    const size_t end = std::min(uri.find('&', value), uri.size());
    uri.replace(value, end - value, "***");
  }
  return uri;
}

// "postgresql://user:secret@host/db" -> "postgresql://user:***@host/db".
std::string WithoutUserPassword(absl::string_view uri) {
  const size_t scheme_end = uri.find("://");
  if (scheme_end == absl::string_view::npos) return std::string(uri);
  const size_t authority_begin = scheme_end + 3;
  const size_t authority_end = uri.find_first_of("/?", authority_begin);
  const absl::string_view authority = uri.substr(
      authority_begin, authority_end == absl::string_view::npos ? absl::string_view::npos
                                                                : authority_end - authority_begin);
  const size_t at = authority.rfind('@');
  if (at == absl::string_view::npos) return std::string(uri);
  const size_t colon = authority.substr(0, at).find(':');
  if (colon == absl::string_view::npos) return std::string(uri);
  return absl::StrCat(uri.substr(0, authority_begin + colon + 1), "***",
                      uri.substr(authority_begin + at));
}

}  // namespace

absl::StatusOr<StoreUrl> ParseStoreUrl(absl::string_view url) {
  StoreUrl parsed;
  if (absl::StartsWith(url, "postgresql://") || absl::StartsWith(url, "postgres://")) {
    parsed.engine = StoreEngine::kPostgres;
    parsed.target = std::string(url);
    parsed.display = WithoutQueryPassword(WithoutUserPassword(url));
    return parsed;
  }
  absl::string_view path = url;
  const bool prefixed = absl::ConsumePrefix(&path, "sqlite:");
  const bool sqlite_suffix = absl::EndsWith(path, ".db") || absl::EndsWith(path, ".sqlite") ||
                             absl::EndsWith(path, ".sqlite3");
  if ((prefixed || sqlite_suffix) && !path.empty() && !absl::StrContains(path, "://")) {
    parsed.engine = StoreEngine::kSqlite;
    parsed.target = std::string(path);
    parsed.display = absl::StrCat("sqlite:", path);
    return parsed;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("store URL '", url,
                   "' is not understood: use sqlite:PATH, a file path ending in .db or .sqlite, or "
                   "postgresql://user@host:port/database"));
}

}  // namespace vlmlab::store
