#include "platform/report/table_format.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace vlmlab::report {
namespace {

constexpr CostColumn kCosts[kNumCostColumns] = {
    CostColumn::kParameters, CostColumn::kTrainableParameters, CostColumn::kVisualTokensPerImage,
    CostColumn::kTrainFlops, CostColumn::kSamplesPerSecond};

struct Column {
  std::string header;
  bool numeric = false;  // right-aligned
  std::vector<std::string> cells;
};

// Symbols that differ between the display formats.
struct Symbols {
  std::string pm;     // " ± "
  std::string delta;  // "Δ"
  std::string percent;
  std::string math;  // wraps "mean ± std" on both sides ("$" in LaTeX)
};

std::string Signed(double x, int precision) {
  std::string s = absl::StrFormat("%+.*f", precision, x);
  // "-0.0000" reads as a difference; keep the sign only for non-zero text.
  if (s.find_first_not_of("+-0.") == std::string::npos) s[0] = '+';
  return s;
}

std::string MetricCell(const Stat& s, int precision, const Symbols& sym) {
  if (s.n == 0) return "-";
  std::string mean = absl::StrFormat("%.*f", precision, s.mean);
  if (s.n == 1) return mean;
  std::string text = absl::StrCat(mean, sym.pm, absl::StrFormat("%.*f", precision, s.stddev));
  return absl::StrCat(sym.math, text, sym.math);
}

std::string DifferenceCell(const Difference& d, bool is_baseline, int precision) {
  if (is_baseline) return "baseline";
  if (!d.available) return "-";
  return absl::StrCat(Signed(d.estimate, precision), " [", Signed(d.lower, precision), ", ",
                      Signed(d.upper, precision), "]");
}

std::string CostCell(const Stat& s, CostColumn c) {
  if (s.n == 0) return "-";
  switch (c) {
    case CostColumn::kParameters:
    case CostColumn::kTrainableParameters:
      return FormatCount(s.mean);
    case CostColumn::kVisualTokensPerImage:
      return s.mean == std::round(s.mean) ? absl::StrFormat("%.0f", s.mean)
                                          : absl::StrFormat("%.1f", s.mean);
    case CostColumn::kTrainFlops:
      return absl::StrFormat("%.3g", s.mean);
    case CostColumn::kSamplesPerSecond:
      return absl::StrFormat("%.1f", s.mean);
  }
  return "-";
}

std::string SeedsCell(const AblationRow& row) {
  if (row.completed_runs == static_cast<int>(row.run_ids.size())) {
    return absl::StrCat(row.completed_runs);
  }
  return absl::StrCat(row.completed_runs, "/", row.run_ids.size());
}

std::vector<Column> DisplayColumns(const AblationTable& t, int precision, const Symbols& sym) {
  std::vector<Column> cols;
  cols.push_back({"variant", false, {}});
  for (const AblationRow& r : t.rows) cols.back().cells.push_back(r.variant);
  for (size_t f = 0; f < t.fields.size(); ++f) {
    cols.push_back({t.fields[f].label, false, {}});
    for (const AblationRow& r : t.rows) cols.back().cells.push_back(r.fields[f]);
  }
  cols.push_back({"seeds", true, {}});
  for (const AblationRow& r : t.rows) cols.back().cells.push_back(SeedsCell(r));
  for (size_t m = 0; m < t.metrics.size(); ++m) {
    cols.push_back({t.metrics[m].label, true, {}});
    for (const AblationRow& r : t.rows) {
      cols.back().cells.push_back(MetricCell(r.metrics[m], precision, sym));
    }
  }
  std::string level = absl::StrFormat("%g", 100 * t.bootstrap.confidence);
  for (size_t d = 0; d < t.difference_evaluators.size(); ++d) {
    cols.push_back(
        {absl::StrCat(sym.delta, " ", t.difference_evaluators[d], " [", level, sym.percent, " CI]"),
         true,
         {}});
    for (const AblationRow& r : t.rows) {
      cols.back().cells.push_back(
          DifferenceCell(r.differences[d], r.variant == t.baseline, precision));
    }
  }
  for (int c = 0; c < kNumCostColumns; ++c) {
    cols.push_back({CostColumnLabel(kCosts[c]), true, {}});
    for (const AblationRow& r : t.rows)
      cols.back().cells.push_back(CostCell(r.costs[c], kCosts[c]));
  }
  return cols;
}

std::string Note(const AblationTable& t, const Symbols& sym) {
  std::string note = absl::StrCat("mean", sym.pm, "sample std over each variant's completed seeds");
  if (!t.difference_evaluators.empty()) {
    absl::StrAppend(&note, "; ", sym.delta, ": difference from baseline '", t.baseline,
                    "' in mean per-example score, paired by example within a seed and averaged "
                    "over seeds, ",
                    absl::StrFormat("%g", 100 * t.bootstrap.confidence), sym.percent,
                    " paired-bootstrap interval (", t.bootstrap.resamples, " resamples, seed ",
                    t.bootstrap.seed, ")");
  }
  return note;
}

// Display width of UTF-8 text: code points.
size_t Width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string Pad(const std::string& s, size_t width, bool right) {
  std::string fill(width > Width(s) ? width - Width(s) : 0, ' ');
  return right ? fill + s : s + fill;
}

std::string Text(const AblationTable& t, const FormatOptions& o) {
  Symbols sym{" ± ", "Δ", "%", ""};
  std::vector<Column> cols = DisplayColumns(t, o.precision, sym);
  std::vector<size_t> widths;
  for (const Column& c : cols) {
    size_t w = Width(c.header);
    for (const std::string& cell : c.cells) w = std::max(w, Width(cell));
    widths.push_back(w);
  }
  auto line = [&](auto cell_of) {
    std::vector<std::string> parts;
    for (size_t c = 0; c < cols.size(); ++c) {
      parts.push_back(Pad(cell_of(c), widths[c], cols[c].numeric));
    }
    std::string l = absl::StrJoin(parts, "  ");
    while (!l.empty() && l.back() == ' ') l.pop_back();
    return l + "\n";
  };
  std::string out;
  if (!t.title.empty()) absl::StrAppend(&out, t.title, "\n");
  absl::StrAppend(&out, line([&](size_t c) { return cols[c].header; }));
  absl::StrAppend(&out, line([&](size_t c) { return std::string(widths[c], '-'); }));
  for (size_t r = 0; r < t.rows.size(); ++r) {
    absl::StrAppend(&out, line([&](size_t c) { return cols[c].cells[r]; }));
  }
  absl::StrAppend(&out, Note(t, sym), "\n");
  return out;
}

// Run and variant names are user strings: Markdown renders inline HTML and emphasis, so those
// characters are escaped and a name like "<script>" prints as text.
std::string MarkdownCell(const std::string& s) {
  return absl::StrReplaceAll(s, {{"\\", "\\\\"},
                                 {"|", "\\|"},
                                 {"`", "\\`"},
                                 {"*", "\\*"},
                                 {"&", "&amp;"},
                                 {"<", "&lt;"},
                                 {">", "&gt;"},
                                 {"\n", " "}});
}

std::string Markdown(const AblationTable& t, const FormatOptions& o) {
  Symbols sym{" ± ", "Δ", "%", ""};
  std::vector<Column> cols = DisplayColumns(t, o.precision, sym);
  std::string out;
  if (!t.title.empty()) absl::StrAppend(&out, "**", MarkdownCell(t.title), "**\n\n");
  std::vector<std::string> head, rule;
  for (const Column& c : cols) {
    head.push_back(MarkdownCell(c.header));
    rule.push_back(c.numeric ? "---:" : "---");
  }
  absl::StrAppend(&out, "| ", absl::StrJoin(head, " | "), " |\n| ", absl::StrJoin(rule, " | "),
                  " |\n");
  for (size_t r = 0; r < t.rows.size(); ++r) {
    std::vector<std::string> cells;
    for (const Column& c : cols) cells.push_back(MarkdownCell(c.cells[r]));
    absl::StrAppend(&out, "| ", absl::StrJoin(cells, " | "), " |\n");
  }
  absl::StrAppend(&out, "\n", Note(t, sym), "\n");
  return out;
}

std::string LatexEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\\':
        out += "\\textbackslash{}";
        break;
      case '&':
      case '%':
      case '$':
      case '#':
      case '_':
      case '{':
      case '}':
        out += '\\';
        out += c;
        break;
      case '~':
        out += "\\textasciitilde{}";
        break;
      case '^':
        out += "\\textasciicircum{}";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Latex(const AblationTable& t, const FormatOptions& o) {
  // Cells are escaped one by one, so the symbols are inserted after escaping.
  Symbols sym{"\x01", "\x02", "\x03", "\x04"};
  std::vector<Column> cols = DisplayColumns(t, o.precision, sym);
  auto cell = [](const std::string& s) {
    return absl::StrReplaceAll(
        LatexEscape(s),
        {{"\x01", " \\pm "}, {"\x02", "$\\Delta$"}, {"\x03", "\\%"}, {"\x04", "$"}});
  };
  std::string spec;
  for (const Column& c : cols) spec += c.numeric ? 'r' : 'l';
  std::string out;
  Symbols note_sym{" +/- ", "Delta", "%", ""};
  absl::StrAppend(&out, "% ", t.title.empty() ? "" : absl::StrCat(t.title, ": "), Note(t, note_sym),
                  "\n");
  absl::StrAppend(&out, "\\begin{tabular}{", spec, "}\n\\toprule\n");
  std::vector<std::string> head;
  for (const Column& c : cols) head.push_back(cell(c.header));
  absl::StrAppend(&out, absl::StrJoin(head, " & "), " \\\\\n\\midrule\n");
  for (size_t r = 0; r < t.rows.size(); ++r) {
    std::vector<std::string> cells;
    for (const Column& c : cols) cells.push_back(cell(c.cells[r]));
    absl::StrAppend(&out, absl::StrJoin(cells, " & "), " \\\\\n");
  }
  absl::StrAppend(&out, "\\bottomrule\n\\end{tabular}\n");
  return out;
}

// A text cell that a spreadsheet would run as a formula (=, +, -, @, tab or CR first) gets a
// leading apostrophe (the OWASP CSV-injection guard); plain numbers such as "-0.5" stay as they are.
std::string CsvField(const std::string& s) {
  double number;
  const bool formula = !s.empty() && absl::string_view("=+-@\t\r").find(s[0]) != absl::string_view::npos &&
                       !absl::SimpleAtod(s, &number);
  const std::string text = formula ? absl::StrCat("'", s) : s;
  if (!formula && text.find_first_of(",\"\n\r") == std::string::npos) return text;
  return absl::StrCat("\"", absl::StrReplaceAll(text, {{"\"", "\"\""}}), "\"");
}

std::string CsvNumber(double x) {
  if (std::isfinite(x) && x == std::round(x) && std::fabs(x) < 1e15) {
    return absl::StrFormat("%.0f", x);
  }
  return absl::StrFormat("%.10g", x);
}

std::string Csv(const AblationTable& t) {
  static constexpr const char* kCostNames[kNumCostColumns] = {
      "params", "trainable_params", "visual_tokens_per_image", "train_flops", "samples_per_second"};
  std::vector<std::string> head = {"variant"};
  for (const FieldColumn& f : t.fields) head.push_back(f.path);
  head.push_back("seeds_completed");
  head.push_back("runs");
  for (const MetricColumn& m : t.metrics) {
    for (const char* part : {" mean", " std", " n"}) head.push_back(absl::StrCat(m.label, part));
  }
  for (const std::string& e : t.difference_evaluators) {
    for (const char* part : {"", " low", " high", " p", " examples"}) {
      head.push_back(absl::StrCat("delta ", e, part));
    }
  }
  for (const char* c : kCostNames) head.push_back(c);
  std::string out;
  std::vector<std::string> fields;
  for (const std::string& h : head) fields.push_back(CsvField(h));
  absl::StrAppend(&out, absl::StrJoin(fields, ","), "\n");
  for (const AblationRow& r : t.rows) {
    fields = {CsvField(r.variant)};
    for (const std::string& f : r.fields) fields.push_back(f == "-" ? "" : CsvField(f));
    fields.push_back(absl::StrCat(r.completed_runs));
    fields.push_back(absl::StrCat(r.run_ids.size()));
    for (const Stat& s : r.metrics) {
      fields.push_back(s.n > 0 ? CsvNumber(s.mean) : "");
      fields.push_back(s.n > 1 ? CsvNumber(s.stddev) : "");
      fields.push_back(absl::StrCat(s.n));
    }
    for (const Difference& d : r.differences) {
      if (!d.available) {
        for (int i = 0; i < 5; ++i) fields.push_back("");
        continue;
      }
      for (double x : {d.estimate, d.lower, d.upper, d.p_value}) fields.push_back(CsvNumber(x));
      fields.push_back(absl::StrCat(d.examples));
    }
    for (const Stat& s : r.costs) fields.push_back(s.n > 0 ? CsvNumber(s.mean) : "");
    absl::StrAppend(&out, absl::StrJoin(fields, ","), "\n");
  }
  return out;
}

}  // namespace

absl::StatusOr<TableFormat> ParseTableFormat(absl::string_view name) {
  std::string n = absl::AsciiStrToLower(name);
  if (n == "text") return TableFormat::kText;
  if (n == "markdown" || n == "md") return TableFormat::kMarkdown;
  if (n == "csv") return TableFormat::kCsv;
  if (n == "latex" || n == "tex") return TableFormat::kLatex;
  return absl::InvalidArgumentError(absl::StrCat("--format '", name,
                                                 "' is not a table format; use text, markdown, "
                                                 "csv or latex"));
}

std::string FormatCount(double count) {
  if (!std::isfinite(count)) return absl::StrCat(count);
  static constexpr const char* kSuffix[] = {"", "K", "M", "B", "T"};
  double x = count;
  int k = 0;
  while (std::fabs(x) >= 999.5 && k < 4) {
    x /= 1000;
    ++k;
  }
  if (k == 0) return absl::StrFormat("%.0f", count);
  int decimals = std::fabs(x) >= 99.95 ? 0 : std::fabs(x) >= 9.995 ? 1 : 2;
  return absl::StrCat(absl::StrFormat("%.*f", decimals, x), kSuffix[k]);
}

std::string FormatAblationTable(const AblationTable& table, TableFormat format,
                                const FormatOptions& options) {
  switch (format) {
    case TableFormat::kText:
      return Text(table, options);
    case TableFormat::kMarkdown:
      return Markdown(table, options);
    case TableFormat::kCsv:
      return Csv(table);
    case TableFormat::kLatex:
      return Latex(table, options);
  }
  return "";
}

}  // namespace vlmlab::report
