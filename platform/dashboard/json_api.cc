#include "platform/dashboard/json_api.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "platform/base/status_macros.h"
#include "platform/dashboard/ablation_json.h"
#include "platform/dashboard/config_diff.h"
#include "platform/dashboard/json_response.h"
#include "platform/report/ablation_table.h"
#include "platform/report/run_selection.h"
#include "platform/report/table_format.h"

namespace vlmlab::dashboard {
namespace {

using nlohmann::json;

json TimeJson(const std::optional<absl::Time>& t) {
  if (!t.has_value()) return nullptr;
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", *t, absl::UTCTimeZone());
}

template <typename T>
json OptionalJson(const std::optional<T>& value) {
  return value.has_value() ? json(*value) : json(nullptr);
}

json MetricJson(const store::MetricRecord& m) {
  return {{"run_id", m.run_id},
          {"evaluator", m.evaluator},
          {"key", m.key},
          {"value", m.value},
          {"ci_low", OptionalJson(m.ci_low)},
          {"ci_high", OptionalJson(m.ci_high)},
          {"n", OptionalJson(m.n)}};
}

std::string MetricName(const store::MetricRecord& m) {
  return absl::StrCat(m.evaluator, "/", m.key);
}

// "ablation-<name>.csv" with only [A-Za-z0-9._-] kept from the name.
std::string DownloadName(absl::string_view name, absl::string_view extension) {
  std::string safe;
  for (char c : name) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') {
      safe.push_back(c);
    } else if (!safe.empty() && safe.back() != '-') {
      safe.push_back('-');
    }
    if (safe.size() >= 60) break;
  }
  if (safe.empty()) safe = "runs";
  return absl::StrCat("ablation-", safe, ".", extension);
}

// Every `stride`-th point and the last one.
void Downsample(int64_t max_points, std::vector<int64_t>* steps, std::vector<double>* values) {
  const int64_t n = static_cast<int64_t>(steps->size());
  if (max_points <= 0 || n <= max_points) return;
  const int64_t stride = (n + max_points - 2) / (max_points - 1);
  std::vector<int64_t> kept_steps;
  std::vector<double> kept_values;
  for (int64_t i = 0; i < n; i += stride) {
    kept_steps.push_back((*steps)[i]);
    kept_values.push_back((*values)[i]);
  }
  if (kept_steps.back() != steps->back()) {
    kept_steps.push_back(steps->back());
    kept_values.push_back(values->back());
  }
  *steps = std::move(kept_steps);
  *values = std::move(kept_values);
}

std::vector<std::string> IdsOf(const std::vector<store::RunRecord>& runs) {
  std::vector<std::string> ids;
  for (const store::RunRecord& r : runs) ids.push_back(r.id);
  return ids;
}

}  // namespace

json RunSummaryJson(const store::RunRecord& run) {
  return {
      {"id", run.id},
      {"sweep_id", OptionalJson(run.sweep_id)},
      {"variant", run.variant},
      {"seed", run.seed},
      {"spec_hash", run.spec_hash},
      {"status", std::string(store::RunStatusName(run.status))},
      {"error", run.error},
      {"worker", run.worker},
      {"created_at", TimeJson(run.created_at)},
      {"started_at", TimeJson(run.started_at)},
      {"finished_at", TimeJson(run.finished_at)},
      {"cost",
       {{"parameters", OptionalJson(run.cost.parameters)},
        {"trainable_parameters", OptionalJson(run.cost.trainable_parameters)},
        {"visual_tokens_per_image", OptionalJson(run.cost.visual_tokens_per_image)},
        {"train_flops", OptionalJson(run.cost.train_flops)},
        {"samples_per_second", OptionalJson(run.cost.samples_per_second)}}},
  };
}

HttpResponse JsonApi::Handle(const HttpRequest& request) {
  absl::StatusOr<HttpResponse> response = Route(request);
  if (!response.ok()) return ErrorResponse(response.status());
  return *std::move(response);
}

absl::StatusOr<HttpResponse> JsonApi::Route(const HttpRequest& request) {
  QueryParams params(request);
  absl::string_view path = request.path;
  if (!absl::ConsumePrefix(&path, "/api/")) {
    return absl::NotFoundError(absl::StrCat("no API route ", request.path));
  }
  absl::StatusOr<json> body = absl::NotFoundError(absl::StrCat(
      "no API route ", request.path,
      "; routes: info, sweeps, sweeps/ID, runs, runs/ID, fields, diff, scalars, metrics, "
      "predictions, ablation, image (docs/dashboard.md)"));
  if (path == "info") {
    body = Info(params);
  } else if (path == "sweeps") {
    body = Sweeps(params);
  } else if (absl::ConsumePrefix(&path, "sweeps/") && !path.empty()) {
    body = Sweep(std::string(path), params);
  } else if (path == "runs") {
    body = Runs(params);
  } else if (absl::ConsumePrefix(&path, "runs/") && !path.empty()) {
    body = Run(std::string(path), params);
  } else if (path == "fields") {
    body = Fields(params);
  } else if (path == "diff") {
    body = Diff(params);
  } else if (path == "scalars") {
    body = Scalars(params);
  } else if (path == "metrics") {
    body = Metrics(params);
  } else if (path == "predictions") {
    body = Predictions(params);
  } else if (path == "ablation") {
    return Ablation(params);
  } else if (path == "image") {
    return Image(params);
  }
  if (!body.ok()) return body.status();
  return JsonResponse(*body);
}

absl::StatusOr<std::vector<store::RunRecord>> JsonApi::SelectRuns(const QueryParams& params,
                                                                  bool required) {
  const std::vector<std::string> ids = params.List("runs");
  const std::optional<std::string> sweep = params.Get("sweep");
  if (!ids.empty() && sweep.has_value()) {
    return absl::InvalidArgumentError("give either runs=ID,ID,... or sweep=ID, not both");
  }
  if (sweep.has_value()) {
    if (sweep->empty()) return absl::InvalidArgumentError("query parameter 'sweep' is empty");
    VLMLAB_RETURN_IF_ERROR(store_->GetSweep(*sweep).status());
    return store_->ListRuns(*sweep);
  }
  if (ids.empty()) {
    if (required) {
      return absl::InvalidArgumentError(
          "select runs with runs=ID,ID,... (run ids) or sweep=ID (a sweep's id)");
    }
    return store_->ListRuns("");
  }
  VLMLAB_ASSIGN_OR_RETURN(std::vector<store::RunRecord> all, store_->ListRuns(""));
  std::map<std::string, const store::RunRecord*> by_id;
  for (const store::RunRecord& r : all) by_id[r.id] = &r;
  std::vector<store::RunRecord> selected;
  for (const std::string& id : ids) {
    auto it = by_id.find(id);
    if (it == by_id.end()) {
      return absl::NotFoundError(absl::StrCat("run '", id, "' is not in the store"));
    }
    selected.push_back(*it->second);
  }
  return selected;
}

absl::StatusOr<json> JsonApi::Info(const QueryParams& params) {
  VLMLAB_RETURN_IF_ERROR(params.OnlyKnown({}));
  VLMLAB_ASSIGN_OR_RETURN(int version, store_->SchemaVersion());
  return json{{"engine", std::string(store_->engine())},
              {"store", std::string(store_->url())},
              {"schema_version", version},
              {"image_root", images_ != nullptr && images_->enabled()}};
}

absl::StatusOr<json> JsonApi::Sweeps(const QueryParams& params) {
  VLMLAB_RETURN_IF_ERROR(params.OnlyKnown({}));
  VLMLAB_ASSIGN_OR_RETURN(std::vector<store::SweepRecord> sweeps, store_->ListSweeps());
  VLMLAB_ASSIGN_OR_RETURN(std::vector<store::RunRecord> runs, store_->ListRuns(""));
  std::map<std::string, std::map<std::string, int>> counts;  // sweep -> status -> runs
  for (const store::RunRecord& r : runs) {
    if (r.sweep_id.has_value()) ++counts[*r.sweep_id][std::string(store::RunStatusName(r.status))];
  }
  json out = json::array();
  for (const store::SweepRecord& s : sweeps) {
    int total = 0;
    for (const auto& [status, n] : counts[s.id]) total += n;
    out.push_back({{"id", s.id},
                   {"name", s.name},
                   {"created_at", TimeJson(s.created_at)},
                   {"runs", total},
                   {"status_counts", counts[s.id]}});
  }
  return json{{"sweeps", std::move(out)}};
}

absl::StatusOr<json> JsonApi::Sweep(const std::string& id, const QueryParams& params) {
  VLMLAB_RETURN_IF_ERROR(params.OnlyKnown({}));
  VLMLAB_ASSIGN_OR_RETURN(store::SweepRecord sweep, store_->GetSweep(id));
  VLMLAB_ASSIGN_OR_RETURN(std::vector<store::RunRecord> runs, store_->ListRuns(id));
  return json{{"sweep",
               {{"id", sweep.id},
                {"name", sweep.name},
                {"created_at", TimeJson(sweep.created_at)},
                {"spec_text", sweep.spec_text}}},
              {"runs", IdsOf(runs)}};
}

absl::StatusOr<json> JsonApi::Runs(const QueryParams& params) {
  VLMLAB_RETURN_IF_ERROR(params.OnlyKnown({"sweep", "runs", "status"}));
  std::optional<store::RunStatus> status;
  if (std::optional<std::string> s = params.Get("status")) {
    absl::StatusOr<store::RunStatus> parsed = store::ParseRunStatus(*s);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          "query parameter 'status': expected pending, running, completed or failed");
    }
    status = *parsed;
  }
  VLMLAB_ASSIGN_OR_RETURN(std::vector<store::RunRecord> runs, SelectRuns(params, false));
  if (status.has_value()) {
    runs.erase(std::remove_if(runs.begin(), runs.end(),
                              [&](const store::RunRecord& r) { return r.status != *status; }),
               runs.end());
  }
  VLMLAB_ASSIGN_OR_RETURN(std::vector<store::MetricRecord> metrics, store_->Metrics(IdsOf(runs)));
  std::map<std::string, json> metrics_of;
  for (const store::MetricRecord& m : metrics) metrics_of[m.run_id][MetricName(m)] = m.value;
  json out = json::array();
  for (const store::RunRecord& r : runs) {
    json j = RunSummaryJson(r);
    auto it = metrics_of.find(r.id);
    j["metrics"] = it == metrics_of.end() ? json::object() : it->second;
    out.push_back(std::move(j));
  }
  return json{{"runs", std::move(out)}};
}

absl::StatusOr<json> JsonApi::Run(const std::string& id, const QueryParams& params) {
  VLMLAB_RETURN_IF_ERROR(params.OnlyKnown({}));
  VLMLAB_ASSIGN_OR_RETURN(store::RunRecord run, store_->GetRun(id));
  json out = RunSummaryJson(run);
  out["spec_text"] = run.spec_text;
  const std::vector<std::string> ids = {id};
  VLMLAB_ASSIGN_OR_RETURN(std::vector<store::RunField> fields, store_->RunFields(ids));
  json field_map = json::object();
  for (const store::RunField& f : fields) field_map[f.path] = f.value;
  out["fields"] = std::move(field_map);
  VLMLAB_ASSIGN_OR_RETURN(std::vector<store::MetricRecord> metrics, store_->Metrics(ids));
  json metric_list = json::array();
  std::set<std::string> evaluators;
  for (const store::MetricRecord& m : metrics) {
    metric_list.push_back(MetricJson(m));
    evaluators.insert(m.evaluator);
  }
  out["metrics"] = std::move(metric_list);
  VLMLAB_ASSIGN_OR_RETURN(std::vector<store::ScalarPoint> points, store_->Scalars(ids, {}));
  json series = json::array();
  for (size_t i = 0; i < points.size();) {
    size_t j = i;
    while (j < points.size() && points[j].key == points[i].key &&
           points[j].stage == points[i].stage) {
      ++j;
    }
    series.push_back({{"key", points[i].key},
                      {"stage", points[i].stage},
                      {"points", j - i},
                      {"last_step", points[j - 1].step},
                      {"last_value", points[j - 1].value}});
    i = j;
  }
  out["scalars"] = std::move(series);
  json evaluator_list = json::array();
  for (const std::string& name : evaluators) {
    store::PredictionQuery q;
    q.run_id = id;
    q.evaluator = name;
    q.limit = 0;
    VLMLAB_ASSIGN_OR_RETURN(store::PredictionPage all, store_->Predictions(q));
    q.failures_only = true;
    VLMLAB_ASSIGN_OR_RETURN(store::PredictionPage failures, store_->Predictions(q));
    evaluator_list.push_back(
        {{"name", name}, {"predictions", all.total}, {"failures", failures.total}});
  }
  out["evaluators"] = std::move(evaluator_list);
  return json{{"run", std::move(out)}};
}

absl::StatusOr<json> JsonApi::Fields(const QueryParams& params) {
  VLMLAB_RETURN_IF_ERROR(params.OnlyKnown({"runs", "sweep", "prefix"}));
  const std::string prefix = params.Get("prefix").value_or("");
  VLMLAB_ASSIGN_OR_RETURN(std::vector<store::RunRecord> runs, SelectRuns(params, false));
  VLMLAB_ASSIGN_OR_RETURN(std::vector<store::RunField> fields, store_->RunFields(IdsOf(runs)));
  json by_run = json::object();
  for (const store::RunRecord& r : runs) by_run[r.id] = json::object();
  for (const store::RunField& f : fields) {
    if (absl::StartsWith(f.path, prefix)) by_run[f.run_id][f.path] = f.value;
  }
  return json{{"runs", IdsOf(runs)}, {"fields", std::move(by_run)}};
}

absl::StatusOr<json> JsonApi::Diff(const QueryParams& params) {
  VLMLAB_RETURN_IF_ERROR(params.OnlyKnown({"runs", "sweep", "all"}));
  VLMLAB_ASSIGN_OR_RETURN(bool all, params.Bool("all", false));
  VLMLAB_ASSIGN_OR_RETURN(std::vector<store::RunRecord> runs, SelectRuns(params, true));
  if (runs.size() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("a diff needs two or more runs; got ", runs.size()));
  }
  const std::vector<std::string> ids = IdsOf(runs);
  VLMLAB_ASSIGN_OR_RETURN(std::vector<store::RunField> fields, store_->RunFields(ids));
  json rows = json::array();
  for (const FieldDiffRow& row : DiffRunFields(ids, fields, all)) {
    json values = json::array();
    for (const auto& v : row.values) values.push_back(OptionalJson(v));
    rows.push_back({{"path", row.path}, {"values", std::move(values)}, {"differs", row.differs}});
  }
  json variants = json::array();
  for (const store::RunRecord& r : runs) variants.push_back(r.variant);
  return json{{"runs", ids}, {"variants", std::move(variants)}, {"rows", std::move(rows)}};
}

absl::StatusOr<json> JsonApi::Scalars(const QueryParams& params) {
  VLMLAB_RETURN_IF_ERROR(params.OnlyKnown({"runs", "sweep", "keys", "max_points"}));
  VLMLAB_ASSIGN_OR_RETURN(int64_t max_points, params.Int("max_points", 2000, 0, 1000000));
  if (max_points == 1) {
    return absl::InvalidArgumentError(
        "query parameter 'max_points': expected 0 (every point) or 2 and more, got '1'");
  }
  VLMLAB_ASSIGN_OR_RETURN(std::vector<store::RunRecord> runs, SelectRuns(params, true));
  const std::vector<std::string> keys = params.List("keys");
  VLMLAB_ASSIGN_OR_RETURN(std::vector<store::ScalarPoint> points,
                          store_->Scalars(IdsOf(runs), keys));
  json series = json::array();
  for (size_t i = 0; i < points.size();) {
    const store::ScalarPoint& first = points[i];
    std::vector<int64_t> steps;
    std::vector<double> values;
    size_t j = i;
    for (; j < points.size() && points[j].run_id == first.run_id && points[j].key == first.key &&
           points[j].stage == first.stage;
         ++j) {
      steps.push_back(points[j].step);
      values.push_back(points[j].value);
    }
    const int64_t total = static_cast<int64_t>(steps.size());
    Downsample(max_points, &steps, &values);
    json started = first.wall_time.has_value()
                       ? json(absl::ToDoubleSeconds(*first.wall_time - absl::UnixEpoch()))
                       : json(nullptr);
    series.push_back({{"run_id", first.run_id},
                      {"key", first.key},
                      {"stage", first.stage},
                      {"started", std::move(started)},
                      {"total_points", total},
                      {"steps", std::move(steps)},
                      {"values", std::move(values)}});
    i = j;
  }
  return json{{"series", std::move(series)}};
}

absl::StatusOr<json> JsonApi::Metrics(const QueryParams& params) {
  VLMLAB_RETURN_IF_ERROR(params.OnlyKnown({"runs", "sweep"}));
  VLMLAB_ASSIGN_OR_RETURN(std::vector<store::RunRecord> runs, SelectRuns(params, true));
  VLMLAB_ASSIGN_OR_RETURN(std::vector<store::MetricRecord> metrics, store_->Metrics(IdsOf(runs)));
  json out = json::array();
  for (const store::MetricRecord& m : metrics) out.push_back(MetricJson(m));
  return json{{"metrics", std::move(out)}};
}

absl::StatusOr<json> JsonApi::Predictions(const QueryParams& params) {
  VLMLAB_RETURN_IF_ERROR(params.OnlyKnown({"run", "evaluator", "offset", "limit", "failures"}));
  VLMLAB_ASSIGN_OR_RETURN(std::string run_id, params.Required("run"));
  VLMLAB_ASSIGN_OR_RETURN(std::string evaluator, params.Required("evaluator"));
  store::PredictionQuery query;
  query.run_id = run_id;
  query.evaluator = evaluator;
  VLMLAB_ASSIGN_OR_RETURN(query.offset, params.Int("offset", 0, 0, int64_t{1} << 40));
  VLMLAB_ASSIGN_OR_RETURN(query.limit, params.Int("limit", 50, 1, 500));
  VLMLAB_ASSIGN_OR_RETURN(query.failures_only, params.Bool("failures", false));
  VLMLAB_RETURN_IF_ERROR(store_->GetRun(run_id).status());
  VLMLAB_ASSIGN_OR_RETURN(store::PredictionPage page, store_->Predictions(query));
  json rows = json::array();
  for (const store::PredictionRecord& p : page.rows) {
    json row = {{"example_key", p.example_key}, {"score", OptionalJson(p.score)}};
    json data = json::parse(p.json, nullptr, /*allow_exceptions=*/false);
    if (data.is_discarded()) {
      row["data"] = nullptr;
      row["raw"] = p.json;
    } else {
      row["data"] = std::move(data);
    }
    rows.push_back(std::move(row));
  }
  return json{{"run_id", run_id},       {"evaluator", evaluator}, {"total", page.total},
              {"offset", query.offset}, {"limit", query.limit},   {"failures", query.failures_only},
              {"rows", std::move(rows)}};
}

absl::StatusOr<HttpResponse> JsonApi::Ablation(const QueryParams& params) {
  VLMLAB_RETURN_IF_ERROR(params.OnlyKnown({"runs", "sweep", "metrics", "baseline", "format"}));
  VLMLAB_ASSIGN_OR_RETURN(std::string format,
                          params.Choice("format", {"json", "text", "md", "csv", "latex"}, "json"));
  report::AblationOptions options;
  options.baseline = params.Get("baseline").value_or("");
  options.metrics = params.List("metrics");
  std::vector<std::string> ids;
  std::string name = "runs";
  const std::optional<std::string> sweep = params.Get("sweep");
  if (sweep.has_value() && params.List("runs").empty()) {
    VLMLAB_ASSIGN_OR_RETURN(store::SweepRecord record, store_->GetSweep(*sweep));
    // The sweep's runs in the order the sweep expands its variants.
    VLMLAB_ASSIGN_OR_RETURN(report::RunSelection selection,
                            report::SelectRuns(*store_, {record.id}));
    ids = std::move(selection.run_ids);
    options.title = std::move(selection.title);
    name = record.name;
  } else {
    VLMLAB_ASSIGN_OR_RETURN(std::vector<store::RunRecord> runs, SelectRuns(params, false));
    ids = IdsOf(runs);
    options.title = params.List("runs").empty() ? "all runs" : absl::StrCat(ids.size(), " runs");
  }
  if (ids.empty()) {
    return absl::NotFoundError("no runs to tabulate: the store or the sweep has no runs yet");
  }
  absl::StatusOr<report::AblationTable> table = report::BuildAblationTable(*store_, ids, options);
  if (!table.ok()) {
    return absl::Status(table.status().code(),
                        absl::StrCat("ablation table: ", table.status().message()));
  }
  if (!options.metrics.empty() && table->metrics.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "no metric of the selected runs matches metrics=", absl::StrJoin(options.metrics, ","),
        "; name metrics evaluator/key, key or evaluator"));
  }
  if (format == "json") {
    return JsonResponse(
        {{"sweep", OptionalJson(sweep)}, {"runs", ids}, {"table", AblationJson(*table)}});
  }
  HttpResponse response;
  std::string extension;
  report::TableFormat table_format = report::TableFormat::kText;
  if (format == "csv") {
    response.content_type = "text/csv; charset=utf-8";
    table_format = report::TableFormat::kCsv;
    extension = "csv";
  } else if (format == "md") {
    response.content_type = "text/markdown; charset=utf-8";
    table_format = report::TableFormat::kMarkdown;
    extension = "md";
  } else if (format == "latex") {
    response.content_type = "application/x-latex; charset=utf-8";
    table_format = report::TableFormat::kLatex;
    extension = "tex";
  } else {
    response.content_type = "text/plain; charset=utf-8";
    extension = "txt";
  }
  response.body = report::FormatAblationTable(*table, table_format);
  response.headers.emplace_back(
      "Content-Disposition",
      absl::StrCat("attachment; filename=\"", DownloadName(name, extension), "\""));
  return response;
}

absl::StatusOr<HttpResponse> JsonApi::Image(const QueryParams& params) {
  VLMLAB_RETURN_IF_ERROR(params.OnlyKnown({"path"}));
  VLMLAB_ASSIGN_OR_RETURN(std::string path, params.Required("path"));
  if (images_ == nullptr) return ImageRoot("").Serve(path);
  return images_->Serve(path);
}

}  // namespace vlmlab::dashboard
