#include "platform/store/postgres_connection.h"

#include <libpq-fe.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "platform/base/status_macros.h"

namespace vlmlab::store {
namespace {

// Type OIDs from PostgreSQL's pg_type.
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;
constexpr Oid kFloat8Oid = 701;

void DropNotice(void*, const char*) {}

std::string DoubleText(double x) {
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.17g", x);
  return buffer;
}

class PostgresConnection : public SqlConnection {
 public:
  PostgresConnection(PGconn* conn, std::string display)
      : conn_(conn), display_(std::move(display)) {}
  ~PostgresConnection() override { PQfinish(conn_); }

  StoreEngine engine() const override { return StoreEngine::kPostgres; }
  const std::string& display_url() const override { return display_; }

  using SqlConnection::Execute;

  absl::Status Setup() {
    PQsetNoticeProcessor(conn_, DropNotice, nullptr);
    if (PQsetClientEncoding(conn_, "UTF8") != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("store ", display_, ": the server does not accept UTF8 client encoding"));
    }
    // Doubles print exactly (shortest round-trip form on PostgreSQL 12+).
    return Execute("SET extra_float_digits = 3").status();
  }

  absl::StatusOr<SqlResult> Execute(absl::string_view sql,
                                    absl::Span<const SqlValue> params) override {
    if (PQstatus(conn_) != CONNECTION_OK && !in_transaction_) PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
      return absl::UnavailableError(absl::StrCat(
          "store ", display_, ": connection lost: ", TrimmedError(PQerrorMessage(conn_))));
    }
    auto it = numbered_.find(sql);
    if (it == numbered_.end()) {
      it = numbered_.emplace(std::string(sql), NumberPlaceholders(sql)).first;
    }
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    std::vector<Oid> types(params.size(), 0);
    for (size_t i = 0; i < params.size(); ++i) {
      const SqlValue& v = params[i];
      if (const int64_t* x = std::get_if<int64_t>(&v)) {
        texts[i] = absl::StrCat(*x);
        types[i] = kInt8Oid;
      } else if (const double* x = std::get_if<double>(&v)) {
        if (std::isnan(*x)) continue;  // NULL, as SQLite stores NaN
        texts[i] = DoubleText(*x);
        types[i] = kFloat8Oid;
      } else if (const std::string* x = std::get_if<std::string>(&v)) {
        texts[i] = *x;
        types[i] = kTextOid;
      } else {
        continue;  // NULL
      }
      values[i] = texts[i].c_str();
    }
    PGresult* res = PQexecParams(conn_, it->second.c_str(), static_cast<int>(params.size()),
                                 types.data(), values.data(), nullptr, nullptr, 0);
    absl::StatusOr<SqlResult> result = ReadResult(res, sql);
    PQclear(res);
    return result;
  }

  absl::Status BeginWrite() override {
    VLMLAB_RETURN_IF_ERROR(Execute("BEGIN").status());
    in_transaction_ = true;
    return absl::OkStatus();
  }
  absl::Status Commit() override {
    absl::Status status = Execute("COMMIT").status();
    in_transaction_ = false;
    return status;
  }
  void Rollback() override {
    if (in_transaction_) (void)Execute("ROLLBACK");
    in_transaction_ = false;
  }

 private:
  static std::string TrimmedError(const char* message) {
    return std::string(absl::StripTrailingAsciiWhitespace(message == nullptr ? "" : message));
  }

  absl::StatusOr<SqlResult> ReadResult(PGresult* res, absl::string_view sql) {
    const ExecStatusType status = res == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(res);
    SqlResult result;
    if (status == PGRES_COMMAND_OK) {
      int64_t affected = 0;
      if (absl::SimpleAtoi(PQcmdTuples(res), &affected)) result.affected_rows = affected;
      return result;
    }
    if (status == PGRES_TUPLES_OK) {
      const int rows = PQntuples(res), cols = PQnfields(res);
      result.rows.reserve(rows);
      for (int r = 0; r < rows; ++r) {
        std::vector<SqlValue> cells;
        cells.reserve(cols);
        for (int c = 0; c < cols; ++c) {
          if (PQgetisnull(res, r, c)) {
            cells.emplace_back(std::monostate());
          } else {
            cells.emplace_back(std::string(PQgetvalue(res, r, c), PQgetlength(res, r, c)));
          }
        }
        result.rows.emplace_back(std::move(cells));
      }
      return result;
    }
    const char* state_field = res == nullptr ? nullptr : PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const std::string state = state_field == nullptr ? "" : state_field;
    const std::string message = absl::StrCat(
        "store ", display_, ": ",
        TrimmedError(res == nullptr ? PQerrorMessage(conn_) : PQresultErrorMessage(res)),
        state.empty() ? "" : absl::StrCat(" [SQLSTATE ", state, "]"), " in: ", sql.substr(0, 80));
    if (state == "40001" || state == "40P01") return absl::AbortedError(message);
    if (absl::StartsWith(state, "23")) return absl::FailedPreconditionError(message);
    if (absl::StartsWith(state, "08") || absl::StartsWith(state, "57") ||
        PQstatus(conn_) != CONNECTION_OK) {
      return absl::UnavailableError(message);
    }
    return absl::InternalError(message);
  }

  PGconn* conn_;
  std::string display_;
  bool in_transaction_ = false;
  absl::flat_hash_map<std::string, std::string> numbered_;
};

}  // namespace

std::string NumberPlaceholders(absl::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  char quote = 0;
  int next = 1;
  for (char c : sql) {
    if (quote != 0) {
      if (c == quote) quote = 0;  // a doubled quote re-enters at once: same result
      out.push_back(c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      out.push_back(c);
    } else if (c == '?') {
      absl::StrAppend(&out, "$", next++);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<SqlConnection>> OpenPostgresConnection(const StoreUrl& url) {
  PGconn* conn = PQconnectdb(url.target.c_str());
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    const std::string message =
        conn == nullptr ? "out of memory"
                        : std::string(absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn)));
    PQfinish(conn);
    return absl::UnavailableError(absl::StrCat(
        "store ", url.display, ": cannot connect: ", message,
        "; check that the server is running and the URL's user, host, port and database"));
  }
  auto connection = std::make_unique<PostgresConnection>(conn, url.display);
  VLMLAB_RETURN_IF_ERROR(connection->Setup());
  return std::unique_ptr<SqlConnection>(std::move(connection));
}

}  // namespace vlmlab::store
