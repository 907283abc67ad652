#include "platform/store/sql_connection.h"

#include <cmath>
#include <limits>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "platform/store/postgres_connection.h"
#include "platform/store/sqlite_connection.h"

namespace vlmlab::store {

SqlValue SqlNull() { return SqlValue(std::monostate()); }
SqlValue SqlText(absl::string_view s) { return SqlValue(std::string(s)); }
SqlValue SqlOptionalInt(const std::optional<int64_t>& v) {
  return v.has_value() ? SqlValue(*v) : SqlNull();
}
SqlValue SqlOptionalDouble(const std::optional<double>& v) {
  return v.has_value() ? SqlValue(*v) : SqlNull();
}
SqlValue SqlOptionalText(const std::optional<std::string>& v) {
  return v.has_value() ? SqlValue(*v) : SqlNull();
}

namespace {

absl::Status BadCell(size_t i, absl::string_view want, absl::string_view got) {
  return absl::InternalError(
      absl::StrCat("store: column ", i, " of a result holds '", got, "', not ", want));
}

// Parses PostgreSQL's and C's spellings of doubles, "Infinity" and "NaN" included.
bool ParseDouble(absl::string_view text, double* out) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "nan") {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (lower == "infinity" || lower == "inf") {
    *out = std::numeric_limits<double>::infinity();
    return true;
  }
  if (lower == "-infinity" || lower == "-inf") {
    *out = -std::numeric_limits<double>::infinity();
    return true;
  }
  return absl::SimpleAtod(text, out);
}

}  // namespace

bool SqlRow::IsNull(size_t i) const { return std::holds_alternative<std::monostate>(cells_.at(i)); }

absl::StatusOr<int64_t> SqlRow::Int(size_t i) const {
  const SqlValue& v = cells_.at(i);
  if (const int64_t* x = std::get_if<int64_t>(&v)) return *x;
  if (const double* x = std::get_if<double>(&v)) {
    if (std::trunc(*x) == *x && std::fabs(*x) < 9.2e18) return static_cast<int64_t>(*x);
    return BadCell(i, "an integer", absl::StrCat(*x));
  }
  if (const std::string* x = std::get_if<std::string>(&v)) {
    int64_t out;
    if (absl::SimpleAtoi(*x, &out)) return out;
    return BadCell(i, "an integer", *x);
  }
  return BadCell(i, "an integer", "NULL");
}

absl::StatusOr<double> SqlRow::Double(size_t i) const {
  const SqlValue& v = cells_.at(i);
  if (const double* x = std::get_if<double>(&v)) return *x;
  if (const int64_t* x = std::get_if<int64_t>(&v)) return static_cast<double>(*x);
  if (const std::string* x = std::get_if<std::string>(&v)) {
    double out;
    if (ParseDouble(*x, &out)) return out;
    return BadCell(i, "a number", *x);
  }
  return std::numeric_limits<double>::quiet_NaN();
}

absl::StatusOr<std::string> SqlRow::Text(size_t i) const {
  const SqlValue& v = cells_.at(i);
  if (const std::string* x = std::get_if<std::string>(&v)) return *x;
  if (const int64_t* x = std::get_if<int64_t>(&v)) return absl::StrCat(*x);
  if (const double* x = std::get_if<double>(&v)) return absl::StrCat(*x);
  return BadCell(i, "text", "NULL");
}

absl::StatusOr<std::optional<int64_t>> SqlRow::OptionalInt(size_t i) const {
  if (IsNull(i)) return std::optional<int64_t>();
  absl::StatusOr<int64_t> v = Int(i);
  if (!v.ok()) return v.status();
  return std::optional<int64_t>(*v);
}

absl::StatusOr<std::optional<double>> SqlRow::OptionalDouble(size_t i) const {
  if (IsNull(i)) return std::optional<double>();
  absl::StatusOr<double> v = Double(i);
  if (!v.ok()) return v.status();
  return std::optional<double>(*v);
}

absl::StatusOr<std::optional<std::string>> SqlRow::OptionalText(size_t i) const {
  if (IsNull(i)) return std::optional<std::string>();
  absl::StatusOr<std::string> v = Text(i);
  if (!v.ok()) return v.status();
  return std::optional<std::string>(*v);
}

absl::StatusOr<std::unique_ptr<SqlConnection>> OpenSqlConnection(const StoreUrl& url) {
  switch (url.engine) {
    case StoreEngine::kSqlite:
      return OpenSqliteConnection(url);
    case StoreEngine::kPostgres:
      return OpenPostgresConnection(url);
  }
  return absl::InternalError("store: unknown engine");
}

}  // namespace vlmlab::store
