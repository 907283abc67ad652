// The result of scoring a results file: headline metrics with bootstrap intervals, breakdown
// tables (per answer type, question type, category), and notes (e.g. how many predictions
// were missing and how they were scored), printable as a table or as JSON.
//
//   std::cout << FormatReportText(report);   // or FormatReportJson(report)
#ifndef VLMLAB_PLATFORM_METRICS_SCORE_REPORT_H_
#define VLMLAB_PLATFORM_METRICS_SCORE_REPORT_H_

#include <string>
#include <vector>

#include "platform/metrics/bootstrap.h"

namespace vlmlab::metrics {

struct MetricLine {
  std::string name;
  double value = 0;
  bool has_interval = false;
  double lower = 0, upper = 0;
  size_t count = 0;  // examples behind the value; 0 when not shown
};

struct MetricTable {
  std::string title;  // e.g. "answer_type"
  std::vector<MetricLine> lines;
};

struct ScoreReport {
  std::string evaluator;
  std::string results_path;
  size_t examples = 0;  // gold examples scored
  size_t missing = 0;   // gold examples with no prediction (scored as wrong)
  std::vector<MetricLine> metrics;
  std::vector<MetricTable> breakdowns;
  std::vector<std::string> notes;
  BootstrapOptions bootstrap;  // resamples 0: no intervals
};

std::string FormatReportText(const ScoreReport& report);
// {"evaluator", "results", "examples", "missing", "metrics": {name: {"value", "ci": [lo, hi]}},
//  "breakdowns": {title: {name: {"value", "count", "ci"}}}, "notes": [...],
//  "bootstrap": {"resamples", "seed", "confidence"}}
std::string FormatReportJson(const ScoreReport& report);

}  // namespace vlmlab::metrics

#endif  // VLMLAB_PLATFORM_METRICS_SCORE_REPORT_H_
