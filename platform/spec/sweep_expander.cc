#include "platform/spec/sweep_expander.h"

#include <cctype>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "platform/spec/canonical.h"
#include "platform/spec/field_path.h"
#include "platform/spec/overrides.h"
#include "platform/spec/spec_validator.h"

namespace vlmlab {
namespace {

// One change applied to the base: a named list of overrides and an optional fragment.
struct Change {
  std::string label;
  std::vector<std::string> sets;
  std::string merge;
};

Change FromVariant(const Variant& v) {
  return Change{v.name(), {v.set().begin(), v.set().end()}, v.merge()};
}

std::string AxisName(const Axis& axis) {
  if (axis.has_name()) return axis.name();
  std::vector<std::string> parts = absl::StrSplit(axis.field(), '.');
  return parts.back();
}

absl::Status Apply(const Change& change, Experiment* exp, std::vector<std::string>* log) {
  for (const std::string& s : change.sets) {
    absl::Status st = ApplyOverride(s, exp);
    if (!st.ok()) return st;
    log->push_back(s);
  }
  if (!change.merge.empty()) {
    absl::Status st = ApplyMergeFragment(change.merge, exp);
    if (!st.ok()) return st;
    log->push_back(absl::StrCat("merge: ", change.merge));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<SweepRun>> ExpandSweep(const LoadedSweep& loaded,
                                                  const PluginRegistries& registries) {
  const Sweep& sweep = loaded.sweep;
  SpecProblems problems;
  // The base is validated as each run's resolved experiment, not as written.
  Sweep without_base = sweep;
  without_base.clear_base_experiment();
  ValidateSpecMessage(without_base, loaded.sources, registries, &problems);
  auto report = [&](FieldPath path, const std::string& message) {
    problems.Add({loaded.sources.Locate(sweep, path), FormatPath(sweep, path), message});
  };
  const auto* sd = Sweep::descriptor();
  const auto* axes_field = sd->FindFieldByName("axes");

  // Names become path parts of run names ("variant/axis=value"): keep them plain.
  auto check_name = [&](const FieldPath& at, const std::string& what, const std::string& name) {
    bool plain = !name.empty();
    for (char c : name)
      plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
                        c == '.' || c == '=');
    if (!plain) {
      report(at, absl::StrCat(what, " '", name,
                              "' may use only letters, digits and _ - . = (it becomes part of "
                              "run names)"));
    }
  };
  for (int i = 0; i < sweep.variants_size(); ++i) {
    check_name({{sd->FindFieldByName("variants"), i}}, "variant name", sweep.variants(i).name());
  }
  for (int i = 0; i < sweep.axes_size(); ++i) {
    const Axis& axis = sweep.axes(i);
    if (axis.has_name()) check_name({{axes_field, i}}, "axis name", axis.name());
    for (const Variant& p : axis.points()) check_name({{axes_field, i}}, "point name", p.name());
  }

  // Variants, baseline first.
  std::vector<Change> variants;
  if (sweep.include_baseline()) variants.push_back(Change{sweep.baseline_name(), {}, ""});
  for (int i = 0; i < sweep.variants_size(); ++i) {
    const Variant& v = sweep.variants(i);
    FieldPath at = {{sd->FindFieldByName("variants"), i}};
    if (sweep.include_baseline() && v.name() == sweep.baseline_name()) {
      report(at, absl::StrCat("'", v.name(),
                              "' is the baseline's name; rename the variant or "
                              "set baseline_name"));
    }
    if (v.set_size() == 0 && v.merge().empty()) {
      report(at, "changes nothing; give it set: \"field.path=value\" or merge: \"...\"");
    }
    variants.push_back(FromVariant(v));
  }
  if (variants.empty()) {
    report({{sd->FindFieldByName("include_baseline"), -1}},
           "the sweep has no runs: add variants or set include_baseline: true");
  }

  // Axes: each a list of changes.
  std::vector<std::vector<Change>> axes;
  for (int i = 0; i < sweep.axes_size(); ++i) {
    const Axis& axis = sweep.axes(i);
    FieldPath at = {{axes_field, i}};
    bool by_field = axis.has_field() || axis.values_size() > 0;
    if (by_field == (axis.points_size() > 0)) {
      report(at, "give either field with values, or points, not both and not neither");
      continue;
    }
    std::vector<Change> points;
    if (by_field) {
      if (!axis.has_field() || axis.values_size() == 0) {
        report(at, "an axis with field needs at least one value, and values need a field");
        continue;
      }
      std::set<std::string> seen;
      for (const std::string& value : axis.values()) {
        if (!seen.insert(value).second) {
          report(at, absl::StrCat("value '", value, "' appears twice"));
        }
        points.push_back(Change{absl::StrCat(AxisName(axis), "=", value),
                                {absl::StrCat(axis.field(), "=", value)},
                                ""});
      }
    } else {
      for (const Variant& p : axis.points()) {
        points.push_back(FromVariant(p));
        points.back().label = absl::StrCat(AxisName(axis), "=", p.name());
      }
    }
    axes.push_back(std::move(points));
  }
  std::vector<uint64_t> seeds(sweep.seeds().begin(), sweep.seeds().end());
  if (seeds.empty()) seeds.push_back(loaded.base.experiment.seed());
  std::set<uint64_t> unique_seeds(seeds.begin(), seeds.end());
  if (unique_seeds.size() != seeds.size()) {
    report({{sd->FindFieldByName("seeds"), -1}}, "a seed is listed twice");
  }
  double total = static_cast<double>(variants.size()) * seeds.size();
  for (const std::vector<Change>& points : axes) total *= points.size();
  if (total > kMaxSweepRuns) {
    report({},
           absl::StrCat("the sweep expands to ", absl::StrFormat("%.0f", total), " runs; at most ",
                        kMaxSweepRuns, " are allowed: split it or use fewer axis values"));
  }
  absl::Status sweep_status = problems.ToStatus();
  if (!sweep_status.ok()) return sweep_status;

  // Cartesian product: variants x axis points (odometer order, last axis fastest).
  std::vector<SweepRun> configs;
  std::vector<std::string> errors;
  std::vector<size_t> odometer(axes.size(), 0);
  for (const Change& variant : variants) {
    std::fill(odometer.begin(), odometer.end(), 0);
    while (true) {
      SweepRun run;
      run.name = variant.label;
      run.experiment = loaded.base.experiment;
      absl::Status st = Apply(variant, &run.experiment, &run.overrides);
      for (size_t a = 0; st.ok() && a < axes.size(); ++a) {
        const Change& point = axes[a][odometer[a]];
        absl::StrAppend(&run.name, "/", point.label);
        st = Apply(point, &run.experiment, &run.overrides);
      }
      if (!st.ok()) {
        errors.push_back(absl::StrCat(loaded.path, ": run '", run.name, "': ", st.message()));
      } else {
        LoadedExperiment as_loaded{run.experiment, loaded.base.sources};
        absl::Status valid = ValidateExperiment(as_loaded, registries);
        if (!valid.ok()) {
          errors.push_back(absl::StrCat(loaded.path, ": run '", run.name, "' (",
                                        absl::StrJoin(run.overrides, "; "), ") is invalid:\n",
                                        valid.message()));
        }
        run.hash = SpecHash(run.experiment);
        configs.push_back(std::move(run));
      }
      size_t a = axes.size();
      while (a > 0 && ++odometer[a - 1] == axes[a - 1].size()) odometer[--a] = 0;
      if (a == 0) break;
    }
  }
  std::map<std::string, std::string> by_hash;
  for (const SweepRun& run : configs) {
    auto [it, inserted] = by_hash.emplace(run.hash, run.name);
    if (!inserted) {
      errors.push_back(absl::StrCat(loaded.path, ": runs '", it->second, "' and '", run.name,
                                    "' have the same spec (hash ", run.hash,
                                    "); drop one, or make them differ"));
    }
  }
  if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));

  std::vector<SweepRun> runs;
  for (const SweepRun& config : configs) {
    for (uint64_t seed : seeds) {
      SweepRun run = config;
      run.seed = seed;
      run.experiment.set_seed(seed);
      run.overrides.push_back(absl::StrCat("seed=", seed));
      runs.push_back(std::move(run));
    }
  }
  return runs;
}

}  // namespace vlmlab
