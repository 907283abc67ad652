#include "platform/dashboard/ablation_json.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "platform/report/table_format.h"

namespace vlmlab::dashboard {
namespace {

using nlohmann::json;

constexpr report::CostColumn kCosts[] = {
    report::CostColumn::kParameters, report::CostColumn::kTrainableParameters,
    report::CostColumn::kVisualTokensPerImage, report::CostColumn::kTrainFlops,
    report::CostColumn::kSamplesPerSecond};

std::string Signed(double x) {
  std::string s = absl::StrFormat("%+.4f", x);
  if (s.find_first_not_of("+-0.") == std::string::npos) s[0] = '+';
  return s;
}

json MetricCell(const report::Stat& s) {
  if (s.n == 0) return {{"text", "-"}, {"mean", nullptr}, {"std", nullptr}, {"n", 0}};
  std::string text = absl::StrFormat("%.4f", s.mean);
  if (s.n > 1) absl::StrAppend(&text, " ± ", absl::StrFormat("%.4f", s.stddev));
  return {{"text", text},
          {"mean", s.mean},
          {"std", s.n > 1 ? json(s.stddev) : json(nullptr)},
          {"n", s.n}};
}

json DifferenceCell(const report::Difference& d, bool baseline) {
  json cell = {{"baseline", baseline}, {"examples", d.examples}, {"paired_seeds", d.seeds}};
  if (baseline || !d.available) {
    cell["text"] = baseline ? "baseline" : "-";
    for (const char* k : {"estimate", "lower", "upper", "p_value"}) cell[k] = nullptr;
    return cell;
  }
  cell["text"] =
      absl::StrCat(Signed(d.estimate), " [", Signed(d.lower), ", ", Signed(d.upper), "]");
  cell["estimate"] = d.estimate;
  cell["lower"] = d.lower;
  cell["upper"] = d.upper;
  cell["p_value"] = d.p_value;
  return cell;
}

json CostCell(const report::Stat& s, report::CostColumn c) {
  if (s.n == 0) return {{"text", "-"}, {"mean", nullptr}, {"n", 0}};
  std::string text;
  switch (c) {
    case report::CostColumn::kParameters:
    case report::CostColumn::kTrainableParameters:
      text = report::FormatCount(s.mean);
      break;
    case report::CostColumn::kVisualTokensPerImage:
      text = s.mean == std::round(s.mean) ? absl::StrFormat("%.0f", s.mean)
                                          : absl::StrFormat("%.1f", s.mean);
      break;
    case report::CostColumn::kTrainFlops:
      text = absl::StrFormat("%.3g", s.mean);
      break;
    case report::CostColumn::kSamplesPerSecond:
      text = absl::StrFormat("%.1f", s.mean);
      break;
  }
  return {{"text", text}, {"mean", s.mean}, {"n", s.n}};
}

}  // namespace

json AblationJson(const report::AblationTable& t) {
  json columns = json::array();
  for (const report::FieldColumn& f : t.fields) {
    columns.push_back({{"kind", "field"}, {"label", f.label}, {"path", f.path}});
  }
  columns.push_back({{"kind", "seeds"}, {"label", "seeds"}});
  for (const report::MetricColumn& m : t.metrics) {
    columns.push_back(
        {{"kind", "metric"}, {"label", m.label}, {"evaluator", m.evaluator}, {"key", m.key}});
  }
  const std::string level = absl::StrFormat("%g", 100 * t.bootstrap.confidence);
  for (const std::string& e : t.difference_evaluators) {
    columns.push_back({{"kind", "difference"},
                       {"label", absl::StrCat("Δ ", e, " [", level, "% CI]")},
                       {"evaluator", e}});
  }
  std::vector<int> costs;  // cost columns some row has
  for (int c = 0; c < report::kNumCostColumns; ++c) {
    for (const report::AblationRow& r : t.rows) {
      if (r.costs[c].n > 0) {
        costs.push_back(c);
        columns.push_back({{"kind", "cost"}, {"label", report::CostColumnLabel(kCosts[c])}});
        break;
      }
    }
  }
  json rows = json::array();
  for (const report::AblationRow& r : t.rows) {
    json cells = json::array();
    for (const std::string& f : r.fields) cells.push_back({{"text", f}});
    const std::string seeds = r.completed_runs == static_cast<int>(r.run_ids.size())
                                  ? absl::StrCat(r.completed_runs)
                                  : absl::StrCat(r.completed_runs, "/", r.run_ids.size());
    cells.push_back({{"text", seeds}, {"n", r.completed_runs}});
    for (const report::Stat& s : r.metrics) cells.push_back(MetricCell(s));
    for (const report::Difference& d : r.differences) {
      cells.push_back(DifferenceCell(d, r.variant == t.baseline));
    }
    for (int c : costs) cells.push_back(CostCell(r.costs[c], kCosts[c]));
    rows.push_back({{"variant", r.variant},
                    {"run_ids", r.run_ids},
                    {"completed_runs", r.completed_runs},
                    {"seeds", r.seeds},
                    {"cells", std::move(cells)}});
  }
  std::string note = "mean ± sample std over each variant's completed seeds";
  if (!t.difference_evaluators.empty()) {
    absl::StrAppend(&note, "; Δ: difference from baseline '", t.baseline,
                    "' in mean per-example score, paired by example within a seed and averaged "
                    "over seeds, ",
                    level, "% paired-bootstrap interval (", t.bootstrap.resamples, " resamples)");
  }
  return {{"title", t.title},
          {"baseline", t.baseline},
          {"confidence", t.bootstrap.confidence},
          {"resamples", t.bootstrap.resamples},
          {"note", note},
          {"columns", std::move(columns)},
          {"rows", std::move(rows)}};
}

}  // namespace vlmlab::dashboard
