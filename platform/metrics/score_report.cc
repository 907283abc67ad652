#include "platform/metrics/score_report.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"

namespace vlmlab::metrics {
namespace {

std::string FormatLine(const MetricLine& line, size_t name_width) {
  std::string name = line.name;
  if (line.count > 0) absl::StrAppend(&name, " (n=", line.count, ")");
  std::string out =
      absl::StrFormat("  %-*s %10.4f", static_cast<int>(name_width), name, line.value);
  if (line.has_interval) absl::StrAppendFormat(&out, "  [%.4f, %.4f]", line.lower, line.upper);
  return out + "\n";
}

size_t NameWidth(const std::vector<MetricLine>& lines) {
  size_t width = 6;
  for (const MetricLine& l : lines) {
    size_t w = l.name.size() + (l.count > 0 ? absl::StrCat(" (n=", l.count, ")").size() : 0);
    width = std::max(width, w);
  }
  return width;
}

nlohmann::json LineJson(const MetricLine& line) {
  nlohmann::json j;
  j["value"] = line.value;
  if (line.count > 0) j["count"] = line.count;
  if (line.has_interval) j["ci"] = {line.lower, line.upper};
  return j;
}

}  // namespace

std::string FormatReportText(const ScoreReport& report) {
  std::string out = absl::StrCat(report.evaluator, ": ", report.examples, " examples scored");
  if (!report.results_path.empty()) absl::StrAppend(&out, ", results ", report.results_path);
  absl::StrAppend(&out, "\n");
  const bool intervals = report.bootstrap.resamples > 0;
  const std::string ci_title =
      intervals ? absl::StrFormat("  %.0f%% CI", 100 * report.bootstrap.confidence) : "";
  size_t width = NameWidth(report.metrics);
  absl::StrAppendFormat(&out, "  %-*s %10s%s\n", static_cast<int>(width), "metric", "value",
                        ci_title);
  for (const MetricLine& line : report.metrics) absl::StrAppend(&out, FormatLine(line, width));
  for (const MetricTable& table : report.breakdowns) {
    absl::StrAppend(&out, "by ", table.title, ":\n");
    width = NameWidth(table.lines);
    for (const MetricLine& line : table.lines) absl::StrAppend(&out, FormatLine(line, width));
  }
  if (!report.notes.empty()) {
    absl::StrAppend(&out, "notes:\n");
    for (const std::string& note : report.notes) absl::StrAppend(&out, "  - ", note, "\n");
  }
  if (intervals) {
    absl::StrAppend(&out, "intervals: percentile bootstrap, ", report.bootstrap.resamples,
                    " resamples, seed ", report.bootstrap.seed, "\n");
  }
  return out;
}

std::string FormatReportJson(const ScoreReport& report) {
  nlohmann::json j;
  j["evaluator"] = report.evaluator;
  j["results"] = report.results_path;
  j["examples"] = report.examples;
  j["missing"] = report.missing;
  j["metrics"] = nlohmann::json::object();
  for (const MetricLine& line : report.metrics) j["metrics"][line.name] = LineJson(line);
  j["breakdowns"] = nlohmann::json::object();
  for (const MetricTable& table : report.breakdowns) {
    nlohmann::json t = nlohmann::json::object();
    for (const MetricLine& line : table.lines) t[line.name] = LineJson(line);
    j["breakdowns"][table.title] = t;
  }
  j["notes"] = report.notes;
  j["bootstrap"] = {{"resamples", report.bootstrap.resamples},
                    {"seed", report.bootstrap.seed},
                    {"confidence", report.bootstrap.confidence}};
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace vlmlab::metrics
