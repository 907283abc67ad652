#include "platform/report/ablation_table.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "platform/base/status_macros.h"

namespace vlmlab::report {
namespace {

constexpr int64_t kPredictionPage = 10000;

Stat StatOf(const std::vector<double>& values) {
  Stat s;
  s.n = static_cast<int>(values.size());
  if (s.n == 0) return s;
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / s.n;
  if (s.n > 1) {
    double ss = 0;
    for (double v : values) ss += (v - s.mean) * (v - s.mean);
    s.stddev = std::sqrt(ss / (s.n - 1));
  }
  return s;
}

bool Excluded(const std::string& path) {
  return path == "seed" || path == "name" || path == "description" ||
         absl::StartsWith(path, "tags[") || path == "tags";
}

// The shortest dotted suffixes that tell the paths apart.
std::vector<std::string> ShortLabels(const std::vector<std::string>& paths) {
  std::vector<std::vector<std::string>> parts;
  for (const std::string& p : paths) parts.push_back(absl::StrSplit(p, '.'));
  std::vector<size_t> take(paths.size(), 1);
  auto label = [&](size_t i) {
    size_t n = std::min(take[i], parts[i].size());
    return absl::StrJoin(parts[i].end() - static_cast<std::ptrdiff_t>(n), parts[i].end(), ".");
  };
  for (bool changed = true; changed;) {
    changed = false;
    std::map<std::string, std::vector<size_t>> by_label;
    for (size_t i = 0; i < paths.size(); ++i) by_label[label(i)].push_back(i);
    for (const auto& [l, idx] : by_label) {
      if (idx.size() < 2) continue;
      for (size_t i : idx) {
        if (take[i] < parts[i].size()) {
          ++take[i];
          changed = true;
        }
      }
    }
  }
  std::vector<std::string> labels;
  for (size_t i = 0; i < paths.size(); ++i) labels.push_back(label(i));
  return labels;
}

// `has_headline`: the evaluator has a key without '/'.
bool MetricKept(const MetricColumn& c, bool has_headline, const AblationOptions& o) {
  for (const std::string& w : o.metrics) {
    if (w == c.label || w == c.key) return true;
  }
  bool breakdown = c.key.find('/') != std::string::npos && has_headline;
  if (breakdown && !o.breakdowns) return false;
  if (o.metrics.empty()) return true;
  for (const std::string& w : o.metrics) {
    if (w == c.evaluator) return true;
  }
  return false;
}

class Builder {
 public:
  Builder(store::Store& store, const AblationOptions& options) : store_(store), options_(options) {}

  absl::StatusOr<AblationTable> Build(const std::vector<std::string>& run_ids) {
    if (run_ids.empty()) {
      return absl::InvalidArgumentError("no runs to report; give a sweep or run ids");
    }
    table_.title = options_.title;
    table_.bootstrap = options_.bootstrap;
    VLMLAB_RETURN_IF_ERROR(LoadRuns(run_ids));
    VLMLAB_RETURN_IF_ERROR(ChooseBaseline());
    VLMLAB_RETURN_IF_ERROR(AddFields());
    VLMLAB_RETURN_IF_ERROR(AddMetrics());
    AddCosts();
    VLMLAB_RETURN_IF_ERROR(AddDifferences());
    return std::move(table_);
  }

 private:
  absl::Status LoadRuns(const std::vector<std::string>& run_ids) {
    std::map<std::string, size_t> row_of;
    std::set<std::string> seen;
    for (const std::string& id : run_ids) {
      if (!seen.insert(id).second) continue;
      absl::StatusOr<store::RunRecord> run = store_.GetRun(id);
      if (!run.ok()) return run.status();
      auto [it, inserted] = row_of.emplace(run->variant, table_.rows.size());
      if (inserted) {
        table_.rows.emplace_back();
        table_.rows.back().variant = run->variant;
      }
      AblationRow& row = table_.rows[it->second];
      row.run_ids.push_back(id);
      if (run->status == store::RunStatus::kCompleted) {
        ++row.completed_runs;
        row.seeds.push_back(run->seed);
        completed_[it->second].push_back(*run);
      }
      all_ids_.push_back(id);
    }
    return absl::OkStatus();
  }

  absl::Status ChooseBaseline() {
    if (options_.baseline.empty()) {
      table_.baseline = table_.rows.front().variant;
      baseline_row_ = 0;
      return absl::OkStatus();
    }
    std::vector<std::string> names;
    for (size_t i = 0; i < table_.rows.size(); ++i) {
      names.push_back(table_.rows[i].variant);
      if (table_.rows[i].variant == options_.baseline) {
        table_.baseline = options_.baseline;
        baseline_row_ = i;
        return absl::OkStatus();
      }
    }
    return absl::InvalidArgumentError(
        absl::StrCat("--baseline '", options_.baseline,
                     "' is not a variant of these runs; use one of: ", absl::StrJoin(names, ", ")));
  }

  absl::Status AddFields() {
    VLMLAB_ASSIGN_OR_RETURN(std::vector<store::RunField> rows, store_.RunFields(all_ids_));
    // path -> run id -> value
    std::map<std::string, std::map<std::string, std::string>> values;
    for (store::RunField& f : rows) {
      if (!Excluded(f.path)) values[f.path][f.run_id] = std::move(f.value);
    }
    std::vector<std::string> paths;
    std::vector<std::vector<std::string>> per_row;
    for (const auto& [path, by_run] : values) {
      std::vector<std::string> cells;
      std::set<std::string> distinct;
      bool constant_within = true;
      for (const AblationRow& row : table_.rows) {
        std::optional<std::string> value;
        for (const std::string& id : row.run_ids) {
          auto it = by_run.find(id);
          std::optional<std::string> v =
              it == by_run.end() ? std::nullopt : std::optional<std::string>(it->second);
          if (id == row.run_ids.front()) {
            value = v;
          } else if (v != value) {
            constant_within = false;
          }
        }
        if (value) distinct.insert(*value);
        cells.push_back(value.value_or("-"));
      }
      if (constant_within && distinct.size() >= 2) {
        paths.push_back(path);
        per_row.push_back(std::move(cells));
      }
    }
    std::vector<std::string> labels = ShortLabels(paths);
    for (size_t c = 0; c < paths.size(); ++c) {
      table_.fields.push_back(FieldColumn{paths[c], labels[c]});
      for (size_t r = 0; r < table_.rows.size(); ++r) {
        table_.rows[r].fields.push_back(per_row[c][r]);
      }
    }
    return absl::OkStatus();
  }

  absl::Status AddMetrics() {
    std::vector<std::string> completed_ids;
    for (const auto& [row, runs] : completed_) {
      for (const store::RunRecord& r : runs) completed_ids.push_back(r.id);
    }
    std::map<std::pair<std::string, std::string>, std::map<std::string, double>> values;
    if (!completed_ids.empty()) {
      VLMLAB_ASSIGN_OR_RETURN(std::vector<store::MetricRecord> metrics,
                              store_.Metrics(completed_ids));
      for (const store::MetricRecord& m : metrics) {
        values[{m.evaluator, m.key}][m.run_id] = m.value;
      }
    }
    std::set<std::string> with_headline;
    for (const auto& [column, by_run] : values) {
      if (column.second.find('/') == std::string::npos) with_headline.insert(column.first);
    }
    for (const auto& [column, by_run] : values) {
      MetricColumn c{column.first, column.second, absl::StrCat(column.first, "/", column.second)};
      if (!MetricKept(c, with_headline.count(c.evaluator) > 0, options_)) continue;
      table_.metrics.push_back(c);
      for (size_t r = 0; r < table_.rows.size(); ++r) {
        std::vector<double> xs;
        for (const store::RunRecord& run : completed_[r]) {
          auto it = by_run.find(run.id);
          if (it != by_run.end()) xs.push_back(it->second);
        }
        table_.rows[r].metrics.push_back(StatOf(xs));
      }
    }
    return absl::OkStatus();
  }

  void AddCosts() {
    for (size_t r = 0; r < table_.rows.size(); ++r) {
      std::vector<std::vector<double>> xs(kNumCostColumns);
      for (const store::RunRecord& run : completed_[r]) {
        const store::RunCost& c = run.cost;
        if (c.parameters) xs[0].push_back(static_cast<double>(*c.parameters));
        if (c.trainable_parameters) xs[1].push_back(static_cast<double>(*c.trainable_parameters));
        if (c.visual_tokens_per_image) {
          xs[2].push_back(static_cast<double>(*c.visual_tokens_per_image));
        }
        if (c.train_flops) xs[3].push_back(*c.train_flops);
        if (c.samples_per_second) xs[4].push_back(*c.samples_per_second);
      }
      for (const std::vector<double>& v : xs) table_.rows[r].costs.push_back(StatOf(v));
    }
  }

  // Example key -> score of one run's predictions for one evaluator (scoreless rows skipped).
  absl::StatusOr<const absl::flat_hash_map<std::string, double>*> Scores(
      const std::string& run_id, const std::string& evaluator) {
    auto key = std::make_pair(run_id, evaluator);
    auto it = scores_.find(key);
    if (it != scores_.end()) return &it->second;
    absl::flat_hash_map<std::string, double>& out = scores_[key];
    store::PredictionQuery q;
    q.run_id = run_id;
    q.evaluator = evaluator;
    q.limit = kPredictionPage;
    while (true) {
      VLMLAB_ASSIGN_OR_RETURN(store::PredictionPage page, store_.Predictions(q));
      for (const store::PredictionRecord& p : page.rows) {
        if (p.score && std::isfinite(*p.score)) out[p.example_key] = *p.score;
      }
      q.offset += static_cast<int64_t>(page.rows.size());
      if (page.rows.empty() || q.offset >= page.total) break;
    }
    return &out;
  }

  absl::StatusOr<Difference> Compare(size_t row, const std::string& evaluator) {
    Difference d;
    std::map<int64_t, std::string> base_by_seed;
    for (const store::RunRecord& r : completed_[baseline_row_]) base_by_seed[r.seed] = r.id;
    // example key -> (sum variant, sum baseline, seeds)
    std::map<std::string, std::tuple<double, double, int>> pairs;
    for (const store::RunRecord& r : completed_[row]) {
      auto base = base_by_seed.find(r.seed);
      if (base == base_by_seed.end()) continue;
      VLMLAB_ASSIGN_OR_RETURN(const auto* a, Scores(r.id, evaluator));
      VLMLAB_ASSIGN_OR_RETURN(const auto* b, Scores(base->second, evaluator));
      bool any = false;
      for (const auto& [example, score] : *a) {
        auto other = b->find(example);
        if (other == b->end()) continue;
        auto& [sa, sb, n] = pairs[example];
        sa += score;
        sb += other->second;
        ++n;
        any = true;
      }
      d.seeds += any;
    }
    if (pairs.empty()) return d;
    std::vector<double> a, b;
    for (const auto& [example, sums] : pairs) {
      const auto& [sa, sb, n] = sums;
      a.push_back(sa / n);
      b.push_back(sb / n);
    }
    VLMLAB_ASSIGN_OR_RETURN(metrics::PairedComparison c,
                            metrics::PairedBootstrapMeans(a, b, options_.bootstrap));
    d.available = true;
    d.estimate = c.difference.estimate;
    d.lower = c.difference.lower;
    d.upper = c.difference.upper;
    d.p_value = c.p_value;
    d.examples = static_cast<int64_t>(a.size());
    return d;
  }

  absl::Status AddDifferences() {
    std::set<std::string> evaluators;
    for (const MetricColumn& c : table_.metrics) evaluators.insert(c.evaluator);
    for (const std::string& e : evaluators) {
      // A column only when the baseline has predictions for this evaluator.
      bool has = false;
      for (const store::RunRecord& r : completed_[baseline_row_]) {
        VLMLAB_ASSIGN_OR_RETURN(const auto* s, Scores(r.id, e));
        has = has || !s->empty();
      }
      if (!has) continue;
      table_.difference_evaluators.push_back(e);
      for (size_t r = 0; r < table_.rows.size(); ++r) {
        if (r == baseline_row_) {
          table_.rows[r].differences.emplace_back();
          continue;
        }
        VLMLAB_ASSIGN_OR_RETURN(Difference d, Compare(r, e));
        table_.rows[r].differences.push_back(d);
      }
    }
    return absl::OkStatus();
  }

  store::Store& store_;
  const AblationOptions& options_;
  AblationTable table_;
  size_t baseline_row_ = 0;
  std::vector<std::string> all_ids_;
  std::map<size_t, std::vector<store::RunRecord>> completed_;  // row -> completed runs
  std::map<std::pair<std::string, std::string>, absl::flat_hash_map<std::string, double>> scores_;
};

}  // namespace

const char* CostColumnLabel(CostColumn column) {
  switch (column) {
    case CostColumn::kParameters:
      return "params";
    case CostColumn::kTrainableParameters:
      return "trainable";
    case CostColumn::kVisualTokensPerImage:
      return "visual tokens";
    case CostColumn::kTrainFlops:
      return "train FLOPs";
    case CostColumn::kSamplesPerSecond:
      return "samples/s";
  }
  return "";
}

absl::StatusOr<AblationTable> BuildAblationTable(store::Store& store,
                                                 const std::vector<std::string>& run_ids,
                                                 const AblationOptions& options) {
  return Builder(store, options).Build(run_ids);
}

}  // namespace vlmlab::report
