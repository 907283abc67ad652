// Prints an ablation table (ablation_table.h) for a terminal, a Markdown document, a
// spreadsheet or a LaTeX paper (booktabs).
//
//   std::cout << FormatAblationTable(table, TableFormat::kLatex);
//
// Cells: metrics "0.5120 ± 0.0040" (mean ± sample std over seeds; the mean alone for one seed);
// differences "+0.0123 [-0.0040, +0.0290]" (estimate [interval]), "baseline" on the baseline's
// row; counts of parameters "12.3M"; FLOPs "1.23e+15"; samples/s "812.4"; anything missing "-".
// Text, Markdown and LaTeX end with a note saying how the numbers were computed (LaTeX as a
// comment). CSV has one value per cell (mean, std and n in separate columns; full precision;
// missing values empty) and no note.
#ifndef VLMLAB_PLATFORM_REPORT_TABLE_FORMAT_H_
#define VLMLAB_PLATFORM_REPORT_TABLE_FORMAT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "platform/report/ablation_table.h"

namespace vlmlab::report {

enum class TableFormat { kText, kMarkdown, kCsv, kLatex };

// "text", "markdown" (or "md"), "csv", "latex" (or "tex").
absl::StatusOr<TableFormat> ParseTableFormat(absl::string_view name);

struct FormatOptions {
  int precision = 4;  // decimals of metrics and differences
};

std::string FormatAblationTable(const AblationTable& table, TableFormat format,
                                const FormatOptions& options = {});

// "12.3M", "850K", "1.20B", "42": three significant digits with a K/M/B/T suffix.
std::string FormatCount(double count);

}  // namespace vlmlab::report

#endif  // VLMLAB_PLATFORM_REPORT_TABLE_FORMAT_H_
