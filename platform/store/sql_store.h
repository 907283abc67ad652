// The Store (store.h) over the SQL layer (sql_connection.h): one implementation, the same SQL
// with bound parameters for SQLite and PostgreSQL. OpenStore builds one; tests may build one
// on a connection they hold.
//
//   VLMLAB_RETURN_IF_ERROR(ApplyMigrations(*connection, Migrations()));
//   SqlStore store(std::move(connection));
//
// Calls are serialised on the one connection by a mutex. Write operations run in a write
// transaction (retried a few times when PostgreSQL reports a serialization failure or
// deadlock); results-writing operations first check that every run they name exists.
#ifndef VLMLAB_PLATFORM_STORE_SQL_STORE_H_
#define VLMLAB_PLATFORM_STORE_SQL_STORE_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "platform/store/sql_connection.h"
#include "platform/store/store.h"

namespace vlmlab::store {

class SqlStore : public Store {
 public:
  explicit SqlStore(std::unique_ptr<SqlConnection> connection);

  absl::string_view engine() const override;
  absl::string_view url() const override { return url_; }
  absl::StatusOr<int> SchemaVersion() override;

  absl::Status EnsureSweep(const SweepRecord& sweep) override;
  absl::StatusOr<SweepRecord> GetSweep(absl::string_view sweep_id) override;
  absl::StatusOr<std::vector<SweepRecord>> ListSweeps() override;

  absl::Status UpsertRun(const RunDefinition& run) override;
  absl::StatusOr<bool> ClaimRun(absl::string_view run_id) override;
  absl::Status CompleteRun(absl::string_view run_id) override;
  absl::Status FailRun(absl::string_view run_id, absl::string_view error) override;
  absl::Status ResetRun(absl::string_view run_id) override;
  absl::Status SetRunCost(absl::string_view run_id, const RunCost& cost) override;
  absl::StatusOr<RunRecord> GetRun(absl::string_view run_id) override;
  absl::StatusOr<std::vector<RunRecord>> ListRuns(absl::string_view sweep_id) override;
  absl::StatusOr<std::vector<RunField>> RunFields(absl::Span<const std::string> run_ids) override;

  absl::Status AppendScalars(absl::Span<const ScalarPoint> points) override;
  absl::Status PutMetrics(absl::Span<const MetricRecord> metrics) override;
  absl::Status PutPredictions(absl::Span<const PredictionRecord> predictions) override;
  absl::StatusOr<std::vector<ScalarPoint>> Scalars(absl::Span<const std::string> run_ids,
                                                   absl::Span<const std::string> keys) override;
  absl::StatusOr<std::vector<MetricRecord>> Metrics(absl::Span<const std::string> run_ids) override;
  absl::StatusOr<PredictionPage> Predictions(const PredictionQuery& query) override;

 private:
  // Runs `body` in a write transaction on c_, committing when it returns OK.
  absl::Status WriteTransaction(const std::function<absl::Status(SqlConnection&)>& body)
      ABSL_LOCKS_EXCLUDED(mu_);
  // NotFound unless every run id names a run; inside a transaction.
  absl::Status RequireRuns(SqlConnection& c, const std::vector<std::string>& run_ids);
  // The status of a run, NotFound when absent.
  absl::StatusOr<std::string> StatusOf(SqlConnection& c, absl::string_view run_id);
  absl::Status FinishRun(absl::string_view run_id, RunStatus status, absl::string_view error);

  const std::string url_;
  const StoreEngine engine_;
  // std::mutex rather than absl::Mutex: ThreadSanitizer sees through it (Debian's Abseil is not
  // built with TSan annotations), so --config=tsan checks the store's locking.
  std::mutex mu_;
  std::unique_ptr<SqlConnection> c_ ABSL_GUARDED_BY(mu_);
};

// The distinct ids, sorted: the order queries return runs in.
std::vector<std::string> SortedUnique(absl::Span<const std::string> ids);

}  // namespace vlmlab::store

#endif  // VLMLAB_PLATFORM_STORE_SQL_STORE_H_
