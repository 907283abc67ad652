// The ablation table of a sweep, as papers print it: one row per variant; the spec fields that
// differ across variants; each evaluator metric as mean ± std over the variant's seeds; the
// difference from a baseline variant with a paired-bootstrap confidence interval; and costs
// (parameters, trainable parameters, visual tokens per image, training FLOPs, samples/s).
// Built from the results store; table_format.h prints it (text, Markdown, CSV, LaTeX). The
// `vlmlab report` and `vlmlab sweep` commands and the dashboard use it.
//
//   report::AblationOptions o;
//   o.baseline = "perceiver";                  // default: the first variant
//   VLMLAB_ASSIGN_OR_RETURN(report::AblationTable t,
//                           report::BuildAblationTable(*store, run_ids, o));
//   std::cout << report::FormatAblationTable(t, report::TableFormat::kMarkdown);
//
// What goes in (docs/sweeps.md has the reasoning):
// - Rows are the runs' variants in the order they first appear in `run_ids`. Every number in a
//   row comes from its completed runs; the `seeds` column says how many of its runs those are.
// - Metric columns: every (evaluator, key) any completed run has, ordered by evaluator then
//   key, breakdowns ("question_type/color") only on request; mean and sample standard
//   deviation (n - 1) over the runs that have it.
// - Differences: one column per evaluator with predictions. Per-example scores (the
//   predictions' score column) of a variant's run and the baseline's run with the same seed
//   are paired by example key; each example's differences are averaged over the seeds both
//   variants have, and the examples are resampled (metrics::PairedBootstrapMeans) for the
//   interval. The estimate is the mean per-example score difference, which equals the
//   difference of the headline metric for averaged metrics (VQA accuracy, exact match, ANLS,
//   POPE and MCQ accuracy) and is a per-example proxy for corpus metrics (BLEU, CIDEr).
// - Swept fields: spec fields (store run_fields) with at least two different values among the
//   variants that have the field, constant within each variant; seed, name, description and
//   tags are left out. A variant without the field shows "-".
#ifndef VLMLAB_PLATFORM_REPORT_ABLATION_TABLE_H_
#define VLMLAB_PLATFORM_REPORT_ABLATION_TABLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/metrics/bootstrap.h"
#include "platform/store/store.h"

namespace vlmlab::report {

// A quantity over a variant's completed runs.
struct Stat {
  int n = 0;  // runs that have it; 0: missing
  double mean = 0;
  double stddev = 0;  // sample standard deviation; 0 when n < 2
};

// Variant minus baseline on one evaluator's per-example scores.
struct Difference {
  bool available = false;  // false: no common seed or no paired example
  double estimate = 0;
  double lower = 0;
  double upper = 0;
  double p_value = 1;    // two-sided paired-bootstrap p-value
  int64_t examples = 0;  // examples paired
  int seeds = 0;         // seeds paired
};

struct MetricColumn {
  std::string evaluator;
  std::string key;
  std::string label;  // "evaluator/key"
};

struct FieldColumn {
  std::string path;   // run_fields path, e.g. "model.projector.pixel_shuffle.factor"
  std::string label;  // the shortest dotted suffix that tells the fields apart, e.g. "factor"
};

// The cost columns, in this order.
enum class CostColumn {
  kParameters,
  kTrainableParameters,
  kVisualTokensPerImage,
  kTrainFlops,
  kSamplesPerSecond,
};
inline constexpr int kNumCostColumns = 5;
const char* CostColumnLabel(CostColumn column);  // "params", "trainable", ...

struct AblationRow {
  std::string variant;
  std::vector<std::string> run_ids;  // all the variant's runs given, completed or not
  int completed_runs = 0;
  std::vector<int64_t> seeds;           // of the completed runs
  std::vector<std::string> fields;      // per field column; "-" when the runs lack it
  std::vector<Stat> metrics;            // per metric column
  std::vector<Difference> differences;  // per difference column; unavailable for the baseline
  std::vector<Stat> costs;              // per CostColumn
};

struct AblationTable {
  std::string title;
  std::string baseline;  // the baseline variant
  std::vector<FieldColumn> fields;
  std::vector<MetricColumn> metrics;
  std::vector<std::string> difference_evaluators;  // one Δ column each
  std::vector<AblationRow> rows;
  metrics::BootstrapOptions bootstrap;  // of the differences
};

struct AblationOptions {
  std::string title;
  std::string baseline;  // a variant name; empty: the first row
  // Only metric columns whose label ("evaluator/key"), key or evaluator is listed; empty: all
  // headline metrics. Difference columns follow the evaluators kept.
  std::vector<std::string> metrics;
  // Also breakdown keys (a key with a '/', e.g. "question_type/color") of evaluators that
  // have a headline key (one without '/'). A breakdown listed in `metrics` by label or key is
  // always kept.
  bool breakdowns = false;
  metrics::BootstrapOptions bootstrap{.resamples = 1000, .seed = 0, .confidence = 0.95};
};

// Errors: no run ids, an unknown run id, an unknown baseline (listing the variants), the
// store's own errors. Runs that are not completed only count in `seeds`.
absl::StatusOr<AblationTable> BuildAblationTable(store::Store& store,
                                                 const std::vector<std::string>& run_ids,
                                                 const AblationOptions& options);

}  // namespace vlmlab::report

#endif  // VLMLAB_PLATFORM_REPORT_ABLATION_TABLE_H_
