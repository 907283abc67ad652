// The ablation table of platform/report (report::AblationTable: one row per variant, swept
// fields, metrics as mean ± std over seeds, paired-bootstrap differences from a baseline,
// costs) as the dashboard's JSON: display columns and, per row, one cell per column with its
// text and numbers. Exports (Markdown, CSV, LaTeX, text) use report::FormatAblationTable.
//
//   VLMLAB_ASSIGN_OR_RETURN(report::AblationTable t, report::BuildAblationTable(db, ids, {}));
//   nlohmann::json j = AblationJson(t);  // {"columns": [...], "rows": [{"cells": [...]}]}
#ifndef VLMLAB_PLATFORM_DASHBOARD_ABLATION_JSON_H_
#define VLMLAB_PLATFORM_DASHBOARD_ABLATION_JSON_H_

#include "nlohmann/json.hpp"
#include "platform/report/ablation_table.h"

namespace vlmlab::dashboard {

// {"title", "baseline", "confidence", "resamples", "note",
//  "columns": [{"kind": "field"|"seeds"|"metric"|"difference"|"cost", "label", "path"?,
//               "evaluator"?, "key"?}],
//  "rows": [{"variant", "run_ids", "completed_runs", "seeds": [..],
//            "cells": [{"text", and by kind: "mean", "std", "n" | "estimate", "lower",
//                       "upper", "p_value", "examples", "paired_seeds", "baseline"}]}]}
// Cost columns no row has are left out. Numbers are null where the text is "-".
nlohmann::json AblationJson(const report::AblationTable& table);

}  // namespace vlmlab::dashboard

#endif  // VLMLAB_PLATFORM_DASHBOARD_ABLATION_JSON_H_
