// SqlStore: training scalars, final metrics and per-example predictions.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "platform/base/status_macros.h"
#include "platform/store/sql_store.h"
#include "platform/store/text_checks.h"

namespace vlmlab::store {
namespace {

template <typename Row>
std::vector<std::string> RunIdsOf(absl::Span<const Row> rows) {
  std::vector<std::string> ids;
  ids.reserve(rows.size());
  for (const Row& row : rows) ids.push_back(row.run_id);
  return SortedUnique(ids);
}

absl::Status CheckScalar(const ScalarPoint& p) {
  VLMLAB_RETURN_IF_ERROR(CheckId("scalar run_id", p.run_id));
  const std::string where = absl::StrCat("scalar of run '", p.run_id, "' ");
  VLMLAB_RETURN_IF_ERROR(CheckText(absl::StrCat(where, "stage"), p.stage));
  return CheckId(absl::StrCat(where, "key"), p.key);
}

absl::Status CheckMetric(const MetricRecord& m) {
  VLMLAB_RETURN_IF_ERROR(CheckId("metric run_id", m.run_id));
  const std::string where = absl::StrCat("metric of run '", m.run_id, "' ");
  VLMLAB_RETURN_IF_ERROR(CheckId(absl::StrCat(where, "evaluator"), m.evaluator));
  return CheckId(absl::StrCat(where, "key"), m.key);
}

// Checks the prediction and returns its score: the given one, else the JSON's "score".
absl::StatusOr<std::optional<double>> CheckPrediction(const PredictionRecord& p) {
  VLMLAB_RETURN_IF_ERROR(CheckId("prediction run_id", p.run_id));
  const std::string where =
      absl::StrCat("prediction of run '", p.run_id, "' evaluator '", p.evaluator, "' ");
  VLMLAB_RETURN_IF_ERROR(CheckId(absl::StrCat(where, "evaluator"), p.evaluator));
  VLMLAB_RETURN_IF_ERROR(CheckId(absl::StrCat(where, "example_key"), p.example_key));
  const std::string what = absl::StrCat(where, "example '", p.example_key, "' json");
  VLMLAB_RETURN_IF_ERROR(CheckText(what, p.json));
  const nlohmann::json parsed = nlohmann::json::parse(p.json, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " is not a JSON object: '", p.json.substr(0, 60), "'"));
  }
  if (p.score.has_value()) return p.score;
  const auto score = parsed.find("score");
  if (score != parsed.end() && score->is_number()) {
    return std::optional<double>(score->get<double>());
  }
  return std::optional<double>();
}

}  // namespace

absl::Status SqlStore::AppendScalars(absl::Span<const ScalarPoint> points) {
  if (points.empty()) return absl::OkStatus();
  for (const ScalarPoint& p : points) VLMLAB_RETURN_IF_ERROR(CheckScalar(p));
  const std::vector<std::string> run_ids = RunIdsOf(points);
  return WriteTransaction([&](SqlConnection& c) -> absl::Status {
    VLMLAB_RETURN_IF_ERROR(RequireRuns(c, run_ids));
    for (const ScalarPoint& p : points) {
      const SqlValue wall =
          p.wall_time.has_value() ? SqlValue(absl::ToUnixMicros(*p.wall_time)) : SqlNull();
      VLMLAB_RETURN_IF_ERROR(
          c.Execute("INSERT INTO scalars (run_id, key, stage, step, value, wall_time_us) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, key, stage, step) "
                    "DO UPDATE SET value = excluded.value, wall_time_us = excluded.wall_time_us",
                    {SqlText(p.run_id), SqlText(p.key), SqlText(p.stage), SqlValue(p.step),
                     SqlValue(p.value), wall})
              .status());
    }
    return absl::OkStatus();
  });
}

absl::Status SqlStore::PutMetrics(absl::Span<const MetricRecord> metrics) {
  if (metrics.empty()) return absl::OkStatus();
  for (const MetricRecord& m : metrics) VLMLAB_RETURN_IF_ERROR(CheckMetric(m));
  const std::vector<std::string> run_ids = RunIdsOf(metrics);
  return WriteTransaction([&](SqlConnection& c) -> absl::Status {
    VLMLAB_RETURN_IF_ERROR(RequireRuns(c, run_ids));
    for (const MetricRecord& m : metrics) {
      VLMLAB_RETURN_IF_ERROR(
          c.Execute(
               "INSERT INTO metrics (run_id, evaluator, key, value, ci_low, ci_high, n) "
               "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, evaluator, key) "
               "DO UPDATE SET value = excluded.value, ci_low = excluded.ci_low, "
               "ci_high = excluded.ci_high, n = excluded.n",
               {SqlText(m.run_id), SqlText(m.evaluator), SqlText(m.key), SqlValue(m.value),
                SqlOptionalDouble(m.ci_low), SqlOptionalDouble(m.ci_high), SqlOptionalInt(m.n)})
              .status());
    }
    return absl::OkStatus();
  });
}

absl::Status SqlStore::PutPredictions(absl::Span<const PredictionRecord> predictions) {
  if (predictions.empty()) return absl::OkStatus();
  std::vector<std::optional<double>> scores;
  scores.reserve(predictions.size());
  for (const PredictionRecord& p : predictions) {
    VLMLAB_ASSIGN_OR_RETURN(std::optional<double> score, CheckPrediction(p));
    scores.push_back(score);
  }
  const std::vector<std::string> run_ids = RunIdsOf(predictions);
  return WriteTransaction([&](SqlConnection& c) -> absl::Status {
    VLMLAB_RETURN_IF_ERROR(RequireRuns(c, run_ids));
    for (size_t i = 0; i < predictions.size(); ++i) {
      const PredictionRecord& p = predictions[i];
      VLMLAB_RETURN_IF_ERROR(
          c.Execute("INSERT INTO predictions (run_id, evaluator, example_key, score, data) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_id, evaluator, example_key) "
                    "DO UPDATE SET score = excluded.score, data = excluded.data",
                    {SqlText(p.run_id), SqlText(p.evaluator), SqlText(p.example_key),
                     SqlOptionalDouble(scores[i]), SqlText(p.json)})
              .status());
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<ScalarPoint>> SqlStore::Scalars(absl::Span<const std::string> run_ids,
                                                           absl::Span<const std::string> keys) {
  const std::vector<std::string> wanted_keys = SortedUnique(keys);
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ScalarPoint> points;
  auto read = [&](const std::string& run_id, const SqlResult& r) -> absl::Status {
    for (const SqlRow& row : r.rows) {
      ScalarPoint p;
      p.run_id = run_id;
      VLMLAB_ASSIGN_OR_RETURN(p.key, row.Text(0));
      VLMLAB_ASSIGN_OR_RETURN(p.stage, row.Text(1));
      VLMLAB_ASSIGN_OR_RETURN(p.step, row.Int(2));
      VLMLAB_ASSIGN_OR_RETURN(p.value, row.Double(3));
      VLMLAB_ASSIGN_OR_RETURN(std::optional<int64_t> wall, row.OptionalInt(4));
      if (wall.has_value()) p.wall_time = absl::FromUnixMicros(*wall);
      points.push_back(std::move(p));
    }
    return absl::OkStatus();
  };
  for (const std::string& run_id : SortedUnique(run_ids)) {
    if (wanted_keys.empty()) {
      VLMLAB_ASSIGN_OR_RETURN(
          SqlResult r, c_->Execute("SELECT key, stage, step, value, wall_time_us FROM scalars "
                                   "WHERE run_id = ? ORDER BY key, stage, step",
                                   {SqlText(run_id)}));
      VLMLAB_RETURN_IF_ERROR(read(run_id, r));
      continue;
    }
    for (const std::string& key : wanted_keys) {
      VLMLAB_ASSIGN_OR_RETURN(
          SqlResult r, c_->Execute("SELECT key, stage, step, value, wall_time_us FROM scalars "
                                   "WHERE run_id = ? AND key = ? ORDER BY stage, step",
                                   {SqlText(run_id), SqlText(key)}));
      VLMLAB_RETURN_IF_ERROR(read(run_id, r));
    }
  }
  return points;
}

absl::StatusOr<std::vector<MetricRecord>> SqlStore::Metrics(absl::Span<const std::string> run_ids) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<MetricRecord> metrics;
  for (const std::string& run_id : SortedUnique(run_ids)) {
    VLMLAB_ASSIGN_OR_RETURN(
        SqlResult r, c_->Execute("SELECT evaluator, key, value, ci_low, ci_high, n FROM metrics "
                                 "WHERE run_id = ? ORDER BY evaluator, key",
                                 {SqlText(run_id)}));
    for (const SqlRow& row : r.rows) {
      MetricRecord m;
      m.run_id = run_id;
      VLMLAB_ASSIGN_OR_RETURN(m.evaluator, row.Text(0));
      VLMLAB_ASSIGN_OR_RETURN(m.key, row.Text(1));
      VLMLAB_ASSIGN_OR_RETURN(m.value, row.Double(2));
      VLMLAB_ASSIGN_OR_RETURN(m.ci_low, row.OptionalDouble(3));
      VLMLAB_ASSIGN_OR_RETURN(m.ci_high, row.OptionalDouble(4));
      VLMLAB_ASSIGN_OR_RETURN(m.n, row.OptionalInt(5));
      metrics.push_back(std::move(m));
    }
  }
  return metrics;
}

absl::StatusOr<PredictionPage> SqlStore::Predictions(const PredictionQuery& query) {
  if (query.offset < 0 || query.limit < 0) {
    return absl::InvalidArgumentError(absl::StrCat("predictions of run '", query.run_id,
                                                   "': offset (", query.offset, ") and limit (",
                                                   query.limit, ") must not be negative"));
  }
  // Two fixed statements; the filter is never spliced from input.
  const absl::string_view count_sql =
      query.failures_only
          ? "SELECT COUNT(*) FROM predictions WHERE run_id = ? AND evaluator = ? AND score < 1"
          : "SELECT COUNT(*) FROM predictions WHERE run_id = ? AND evaluator = ?";
  const absl::string_view page_sql =
      query.failures_only ? "SELECT example_key, score, data FROM predictions WHERE run_id = ? AND "
                            "evaluator = ? AND score < 1 ORDER BY example_key LIMIT ? OFFSET ?"
                          : "SELECT example_key, score, data FROM predictions WHERE run_id = ? AND "
                            "evaluator = ? ORDER BY example_key LIMIT ? OFFSET ?";
  std::lock_guard<std::mutex> lock(mu_);
  PredictionPage page;
  VLMLAB_ASSIGN_OR_RETURN(
      SqlResult count, c_->Execute(count_sql, {SqlText(query.run_id), SqlText(query.evaluator)}));
  VLMLAB_ASSIGN_OR_RETURN(page.total, count.rows.at(0).Int(0));
  VLMLAB_ASSIGN_OR_RETURN(SqlResult rows,
                          c_->Execute(page_sql, {SqlText(query.run_id), SqlText(query.evaluator),
                                                 SqlValue(query.limit), SqlValue(query.offset)}));
  for (const SqlRow& row : rows.rows) {
    PredictionRecord p;
    p.run_id = query.run_id;
    p.evaluator = query.evaluator;
    VLMLAB_ASSIGN_OR_RETURN(p.example_key, row.Text(0));
    VLMLAB_ASSIGN_OR_RETURN(p.score, row.OptionalDouble(1));
    VLMLAB_ASSIGN_OR_RETURN(p.json, row.Text(2));
    page.rows.push_back(std::move(p));
  }
  return page;
}

}  // namespace vlmlab::store
