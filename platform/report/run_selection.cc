#include "platform/report/run_selection.h"

#include <algorithm>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/text_format.h"
#include "platform/base/status_macros.h"

namespace vlmlab::report {
namespace {

std::string AxisLabel(const Axis& axis) {
  if (axis.has_name()) return axis.name();
  std::vector<std::string> parts = absl::StrSplit(axis.field(), '.');
  return parts.back();
}

}  // namespace

std::vector<std::string> SweepVariantOrder(const Sweep& sweep) {
  std::vector<std::string> names;
  if (sweep.include_baseline()) names.push_back(sweep.baseline_name());
  for (const Variant& v : sweep.variants()) names.push_back(v.name());
  for (const Axis& axis : sweep.axes()) {
    std::vector<std::string> labels;
    for (const std::string& value : axis.values()) {
      labels.push_back(absl::StrCat(AxisLabel(axis), "=", value));
    }
    for (const Variant& p : axis.points()) {
      labels.push_back(absl::StrCat(AxisLabel(axis), "=", p.name()));
    }
    if (labels.empty()) continue;
    std::vector<std::string> crossed;
    for (const std::string& n : names) {
      for (const std::string& l : labels) crossed.push_back(absl::StrCat(n, "/", l));
    }
    names = std::move(crossed);
  }
  return names;
}

void OrderRuns(const std::vector<std::string>& order, std::vector<store::RunRecord>* runs) {
  std::map<std::string, size_t> rank;
  for (size_t i = 0; i < order.size(); ++i) rank.emplace(order[i], i);
  std::map<std::string, size_t> first_seen;  // unknown variants keep their order
  for (const store::RunRecord& r : *runs) first_seen.emplace(r.variant, first_seen.size());
  auto key = [&](const store::RunRecord& r) {
    auto it = rank.find(r.variant);
    return it != rank.end() ? std::make_pair(size_t{0}, it->second)
                            : std::make_pair(size_t{1}, first_seen[r.variant]);
  };
  std::stable_sort(runs->begin(), runs->end(),
                   [&](const store::RunRecord& a, const store::RunRecord& b) {
                     auto ka = key(a), kb = key(b);
                     if (ka != kb) return ka < kb;
                     return a.seed < b.seed;
                   });
}

std::string SweepTitle(const std::string& name, const std::string& id,
                       const std::string& description) {
  std::string title = absl::StrCat("sweep '", name, "' (", id, ")");
  if (!description.empty()) absl::StrAppend(&title, ": ", description);
  return title;
}

absl::StatusOr<RunSelection> SelectRuns(store::Store& store, const std::vector<std::string>& args) {
  if (args.empty()) {
    return absl::InvalidArgumentError("give a sweep file, a sweep name or id, or run ids");
  }
  RunSelection sel;
  if (args.size() == 1) {
    std::optional<store::SweepRecord> sweep;
    absl::StatusOr<store::SweepRecord> by_id = store.GetSweep(args[0]);
    if (by_id.ok()) {
      sweep = *by_id;
    } else if (by_id.status().code() != absl::StatusCode::kNotFound) {
      return by_id.status();
    } else {
      VLMLAB_ASSIGN_OR_RETURN(std::vector<store::SweepRecord> all, store.ListSweeps());
      for (const store::SweepRecord& s : all) {
        if (s.name == args[0]) sweep = s;  // by creation time: the last is the latest
      }
    }
    if (sweep) {
      VLMLAB_ASSIGN_OR_RETURN(std::vector<store::RunRecord> runs, store.ListRuns(sweep->id));
      if (runs.empty()) {
        return absl::NotFoundError(absl::StrCat("sweep '", sweep->name, "' (", sweep->id,
                                                ") has no runs in store ", store.url(),
                                                "; run `vlmlab sweep` on its file first"));
      }
      Sweep spec;
      if (google::protobuf::TextFormat::ParseFromString(sweep->spec_text, &spec)) {
        OrderRuns(SweepVariantOrder(spec), &runs);
      }
      sel.title = SweepTitle(sweep->name, sweep->id, spec.description());
      sel.sweep_id = sweep->id;
      for (const store::RunRecord& r : runs) sel.run_ids.push_back(r.id);
      return sel;
    }
  }
  for (const std::string& id : args) {
    absl::StatusOr<store::RunRecord> run = store.GetRun(id);
    if (run.ok()) {
      sel.run_ids.push_back(id);
      continue;
    }
    if (run.status().code() != absl::StatusCode::kNotFound) return run.status();
    return absl::NotFoundError(absl::StrCat(
        "'", id, "' is ",
        args.size() == 1 ? "neither a sweep file, a sweep id, a sweep name nor" : "not",
        " a run id in store ", store.url(),
        "; give the sweep file, or --store to read another store"));
  }
  sel.title = absl::StrCat(sel.run_ids.size(), sel.run_ids.size() == 1 ? " run" : " runs");
  return sel;
}

}  // namespace vlmlab::report
