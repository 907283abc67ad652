// `vlmlab report SWEEP_FILE | SWEEP_NAME | SWEEP_ID | RUN_ID... [--store URL]
// [--format text|markdown|csv|latex] [--baseline VARIANT] [--metrics a,b] [--breakdowns]
// [--out FILE]`:
// prints the ablation table of a sweep's runs from the results store (platform/report;
// docs/sweeps.md).
#include <filesystem>
#include <fstream>
#include <iostream>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "platform/cli/cli_flags.h"
#include "platform/cli/commands.h"
#include "platform/registry/global_registries.h"
#include "platform/report/ablation_table.h"
#include "platform/report/run_selection.h"
#include "platform/report/table_format.h"
#include "platform/spec/sweep_expander.h"
#include "platform/store/store.h"
#include "platform/sweep/sweep_plan.h"

ABSL_FLAG(std::string, format, "text", "report: text, markdown, csv or latex");
ABSL_FLAG(std::string, baseline, "",
          "report: the variant differences are taken against (default: the first)");
ABSL_FLAG(std::vector<std::string>, metrics, {},
          "report: only these metric columns (evaluator/key, key or evaluator), comma-separated");
ABSL_FLAG(bool, breakdowns, false,
          "report: also show breakdown metrics (keys with '/', e.g. vqa/question_type/color)");
// Shared with `data synth` (--out), and `score` (--bootstrap, --confidence), which define them.
ABSL_DECLARE_FLAG(std::string, out);
ABSL_DECLARE_FLAG(int32_t, bootstrap);
ABSL_DECLARE_FLAG(double, confidence);

namespace vlmlab {
namespace {

constexpr char kReportUsage[] =
    "usage: vlmlab report SWEEP_FILE|SWEEP_NAME|SWEEP_ID|RUN_ID... [--store URL] "
    "[--format text|markdown|csv|latex] [--baseline VARIANT] [--metrics a,b] [--breakdowns] "
    "[--out FILE]";

struct Selected {
  std::string url;
  report::RunSelection runs;
};

// A sweep file: its runs in expansion order, those the store has.
absl::StatusOr<Selected> FromSweepFile(const std::string& path) {
  absl::StatusOr<LoadedSweep> loaded = LoadSweepFile(path);
  if (!loaded.ok()) return loaded.status();
  absl::StatusOr<std::vector<SweepRun>> runs = ExpandSweep(*loaded, GlobalRegistries());
  if (!runs.ok()) return runs.status();
  absl::StatusOr<sweep::SweepPlan> plan = sweep::PlanSweep(*loaded, *runs);
  if (!plan.ok()) return plan.status();
  Selected s;
  s.url = absl::GetFlag(FLAGS_store);
  if (s.url.empty()) {
    absl::StatusOr<std::string> url = sweep::CommonStoreUrl(*plan);
    if (!url.ok()) return url.status();
    s.url = *url;
  }
  s.runs.title = report::SweepTitle(plan->sweep.name, plan->sweep.id, loaded->sweep.description());
  s.runs.sweep_id = plan->sweep.id;
  absl::StatusOr<std::unique_ptr<store::Store>> db = store::OpenStore(s.url);
  if (!db.ok()) return db.status();
  for (const sweep::PlannedRun& r : plan->runs) {
    absl::StatusOr<store::RunRecord> rec = (*db)->GetRun(r.definition.id);
    if (rec.ok()) {
      s.runs.run_ids.push_back(r.definition.id);
    } else if (rec.status().code() != absl::StatusCode::kNotFound) {
      return rec.status();
    }
  }
  if (s.runs.run_ids.empty()) {
    return absl::NotFoundError(absl::StrCat("no run of sweep ", path, " is in store ", (*db)->url(),
                                            "; run `vlmlab sweep ", path,
                                            "` first, or give --store"));
  }
  return s;
}

bool IsFile(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

}  // namespace

int RunReport(const std::vector<std::string>& args) {
  if (args.empty()) {
    std::cerr << "vlmlab: error: report needs a sweep file, a sweep name or id, or run ids\n"
              << kReportUsage << "\n";
    return 2;
  }
  absl::StatusOr<report::TableFormat> format =
      report::ParseTableFormat(absl::GetFlag(FLAGS_format));
  if (!format.ok()) {
    PrintError(format.status());
    return 2;
  }
  absl::StatusOr<Selected> selected;
  if (args.size() == 1 && IsFile(args[0])) {
    selected = FromSweepFile(args[0]);
  } else {
    Selected s;
    s.url = absl::GetFlag(FLAGS_store);
    if (s.url.empty()) s.url = Runtime().store();
    absl::StatusOr<std::unique_ptr<store::Store>> db = store::OpenStore(s.url);
    if (!db.ok()) {
      selected = db.status();
    } else {
      absl::StatusOr<report::RunSelection> runs = report::SelectRuns(**db, args);
      if (runs.ok()) {
        s.runs = *runs;
        selected = s;
      } else {
        selected = runs.status();
      }
    }
  }
  if (!selected.ok()) {
    PrintError(selected.status());
    return 1;
  }
  absl::StatusOr<std::unique_ptr<store::Store>> db = store::OpenStore(selected->url);
  if (!db.ok()) {
    PrintError(db.status());
    return 1;
  }
  report::AblationOptions options;
  options.title = selected->runs.title;
  options.baseline = absl::GetFlag(FLAGS_baseline);
  options.metrics = absl::GetFlag(FLAGS_metrics);
  options.breakdowns = absl::GetFlag(FLAGS_breakdowns);
  options.bootstrap.resamples = absl::GetFlag(FLAGS_bootstrap);
  options.bootstrap.confidence = absl::GetFlag(FLAGS_confidence);
  if (options.bootstrap.resamples < 1) {
    std::cerr << "vlmlab: error: --bootstrap must be at least 1 for the report's intervals\n";
    return 2;
  }
  absl::StatusOr<report::AblationTable> table =
      report::BuildAblationTable(**db, selected->runs.run_ids, options);
  if (!table.ok()) {
    PrintError(table.status());
    return 1;
  }
  std::string text = report::FormatAblationTable(*table, *format);
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) {
    std::cout << text;
    return 0;
  }
  std::ofstream file(out, std::ios::binary | std::ios::trunc);
  file << text;
  if (!file.flush()) {
    std::cerr << "vlmlab: error: cannot write the report to --out " << out
              << "; check that its directory exists and is writable\n";
    return 1;
  }
  std::cerr << "wrote " << out << "\n";
  return 0;
}

}  // namespace vlmlab
