// Golden output of every format for the hand-filled store of report_testing.h (the numbers
// are checked one by one in ablation_table_test.cc), and escaping of awkward names.
#include "platform/report/table_format.h"

#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/metrics/bootstrap.h"
#include "platform/report/report_testing.h"

namespace vlmlab::report {
namespace {

AblationTable Table() {
  std::vector<TestRun> runs = AblationRuns();
  auto store = FillStore(::testing::UnitTest::GetInstance()->current_test_info()->name(), runs);
  AblationOptions o;
  o.title = "sweep 'ablation'";
  absl::StatusOr<AblationTable> t = BuildAblationTable(*store, Ids(runs), o);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *t : AblationTable{};
}

TEST(TableFormatTest, Text) {
  EXPECT_EQ(FormatAblationTable(Table(), TableFormat::kText), R"golden(sweep 'ablation'
variant    encoder.depth  llm.depth  projector  seeds    caption/cider      vqa/overall              Δ vqa [95% CI]  params  trainable  visual tokens  train FLOPs  samples/s
---------  -------------  ---------  ---------  -----  ---------------  ---------------  --------------------------  ------  ---------  -------------  -----------  ---------
baseline   2              4          linear         2  1.1000 ± 0.1414  0.5500 ± 0.0707                    baseline   12.3M      1.00M             64        2e+15      110.0
mlp        2              6          mlp            2                -  0.7500 ± 0.0707  +0.2500 [+0.0000, +0.5000]   13.0M          -              -            -          -
perceiver  4              4          perceiver    1/2           0.9000           0.4000  -0.3333 [-1.0000, +0.0000]       -          -              -            -          -
mean ± sample std over each variant's completed seeds; Δ: difference from baseline 'baseline' in mean per-example score, paired by example within a seed and averaged over seeds, 95% paired-bootstrap interval (1000 resamples, seed 0)
)golden");
}

TEST(TableFormatTest, Markdown) {
  EXPECT_EQ(FormatAblationTable(Table(), TableFormat::kMarkdown), R"golden(**sweep 'ablation'**

| variant | encoder.depth | llm.depth | projector | seeds | caption/cider | vqa/overall | Δ vqa [95% CI] | params | trainable | visual tokens | train FLOPs | samples/s |
| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| baseline | 2 | 4 | linear | 2 | 1.1000 ± 0.1414 | 0.5500 ± 0.0707 | baseline | 12.3M | 1.00M | 64 | 2e+15 | 110.0 |
| mlp | 2 | 6 | mlp | 2 | - | 0.7500 ± 0.0707 | +0.2500 [+0.0000, +0.5000] | 13.0M | - | - | - | - |
| perceiver | 4 | 4 | perceiver | 1/2 | 0.9000 | 0.4000 | -0.3333 [-1.0000, +0.0000] | - | - | - | - | - |

mean ± sample std over each variant's completed seeds; Δ: difference from baseline 'baseline' in mean per-example score, paired by example within a seed and averaged over seeds, 95% paired-bootstrap interval (1000 resamples, seed 0)
)golden");
}

// The p-values come from metrics::PairedBootstrapMeans on the per-example scores worked out in
// ablation_table_test.cc (seed-averaged mlp - baseline; perceiver - baseline on seed 0).
std::string PValue(const std::vector<double>& a, const std::vector<double>& b) {
  absl::StatusOr<metrics::PairedComparison> c =
      metrics::PairedBootstrapMeans(a, b, {.resamples = 1000, .seed = 0, .confidence = 0.95});
  EXPECT_TRUE(c.ok()) << c.status();
  return absl::StrFormat("%.10g", c->p_value);
}

TEST(TableFormatTest, Csv) {
  std::string p_mlp = PValue({1, 1, 1, 0}, {1, 0.5, 0.5, 0});
  std::string p_perceiver = PValue({0, 0, 1}, {1, 0, 1});
  EXPECT_EQ(
      FormatAblationTable(Table(), TableFormat::kCsv),
      absl::StrReplaceAll(
          R"golden(variant,model.encoder.depth,model.llm.depth,model.projector,seeds_completed,runs,caption/cider mean,caption/cider std,caption/cider n,vqa/overall mean,vqa/overall std,vqa/overall n,delta vqa,delta vqa low,delta vqa high,delta vqa p,delta vqa examples,params,trainable_params,visual_tokens_per_image,train_flops,samples_per_second
baseline,2,4,linear,2,2,1.1,0.1414213562,2,0.55,0.07071067812,2,,,,,,12345678,1000000,64,2e+15,110
mlp,2,6,mlp,2,2,,,0,0.75,0.07071067812,2,0.25,0,0.5,{P_MLP},4,13000000,,,,
perceiver,4,4,perceiver,1,2,0.9,,1,0.4,,1,-0.3333333333,-1,0,{P_PERCEIVER},3,,,,,
)golden",
          {{"{P_MLP}", p_mlp}, {"{P_PERCEIVER}", p_perceiver}}));
}

TEST(TableFormatTest, Latex) {
  EXPECT_EQ(
      FormatAblationTable(Table(), TableFormat::kLatex),
      R"golden(% sweep 'ablation': mean +/- sample std over each variant's completed seeds; Delta: difference from baseline 'baseline' in mean per-example score, paired by example within a seed and averaged over seeds, 95% paired-bootstrap interval (1000 resamples, seed 0)
\begin{tabular}{llllrrrrrrrrr}
\toprule
variant & encoder.depth & llm.depth & projector & seeds & caption/cider & vqa/overall & $\Delta$ vqa [95\% CI] & params & trainable & visual tokens & train FLOPs & samples/s \\
\midrule
baseline & 2 & 4 & linear & 2 & $1.1000 \pm 0.1414$ & $0.5500 \pm 0.0707$ & baseline & 12.3M & 1.00M & 64 & 2e+15 & 110.0 \\
mlp & 2 & 6 & mlp & 2 & - & $0.7500 \pm 0.0707$ & +0.2500 [+0.0000, +0.5000] & 13.0M & - & - & - & - \\
perceiver & 4 & 4 & perceiver & 1/2 & 0.9000 & 0.4000 & -0.3333 [-1.0000, +0.0000] & - & - & - & - & - \\
\bottomrule
\end{tabular}
)golden");
}

}  // namespace
}  // namespace vlmlab::report

namespace vlmlab::report {
namespace {

// One row, one field, one metric: names that need escaping in each format.
AblationTable Awkward() {
  AblationTable t;
  t.baseline = "a_b|c,d";
  t.fields = {{"model.x", "x"}};
  t.metrics = {{"e", "k_1", "e/k_1"}};
  AblationRow r;
  r.variant = "a_b|c,d";
  r.run_ids = {"r"};
  r.completed_runs = 1;
  r.fields = {"50%"};
  r.metrics = {Stat{1, 0.5, 0}};
  r.costs.resize(kNumCostColumns);
  t.rows = {r};
  return t;
}

TEST(TableFormatTest, EscapesNames) {
  AblationTable t = Awkward();
  std::string md = FormatAblationTable(t, TableFormat::kMarkdown);
  EXPECT_THAT(md, ::testing::HasSubstr("| a_b\\|c,d | 50% | 1 | 0.5000 | - |")) << md;
  std::string tex = FormatAblationTable(t, TableFormat::kLatex);
  EXPECT_THAT(tex, ::testing::HasSubstr("a\\_b|c,d & 50\\% & 1 & 0.5000 & - &")) << tex;
  EXPECT_THAT(tex, ::testing::HasSubstr("e/k\\_1")) << tex;
  std::string csv = FormatAblationTable(t, TableFormat::kCsv);
  EXPECT_THAT(csv, ::testing::HasSubstr("\n\"a_b|c,d\",50%,1,1,0.5,,1,,,,,\n")) << csv;
  // No differences: the note says nothing about them.
  std::string text = FormatAblationTable(t, TableFormat::kText);
  EXPECT_EQ(text.find("Δ"), std::string::npos) << text;
}

TEST(TableFormatTest, MarkdownPrintsHtmlAndEmphasisAsText) {
  AblationTable t = Awkward();
  t.rows[0].variant = "<script>alert(1)</script> *x* `y` a&b";
  std::string md = FormatAblationTable(t, TableFormat::kMarkdown);
  EXPECT_EQ(md.find("<script>"), std::string::npos) << md;
  EXPECT_NE(md.find("| &lt;script&gt;alert(1)&lt;/script&gt; \\*x\\* \\`y\\` a&amp;b |"),
            std::string::npos)
      << md;
}

TEST(TableFormatTest, CsvGuardsCellsASpreadsheetWouldRunAsFormulas) {
  AblationTable t = Awkward();
  t.rows[0].variant = "=HYPERLINK(\"x\")";
  t.rows[0].fields = {"-0.5"};
  std::string csv = FormatAblationTable(t, TableFormat::kCsv);
  EXPECT_THAT(csv, ::testing::HasSubstr("\n\"'=HYPERLINK(\"\"x\"\")\",-0.5,")) << csv;
  t.rows[0].variant = "@SUM(A1)";
  t.rows[0].fields = {"+cmd"};
  csv = FormatAblationTable(t, TableFormat::kCsv);
  EXPECT_THAT(csv, ::testing::HasSubstr("\n\"'@SUM(A1)\",\"'+cmd\",")) << csv;
}

TEST(TableFormatTest, Precision) {
  AblationTable t = Awkward();
  t.rows[0].metrics[0] = Stat{3, 2.0 / 3, 0.25};
  EXPECT_NE(FormatAblationTable(t, TableFormat::kText, {.precision = 2}).find("0.67 ± 0.25"),
            std::string::npos);
}

TEST(TableFormatTest, ParseFormat) {
  EXPECT_EQ(*ParseTableFormat("markdown"), TableFormat::kMarkdown);
  EXPECT_EQ(*ParseTableFormat("MD"), TableFormat::kMarkdown);
  EXPECT_EQ(*ParseTableFormat("tex"), TableFormat::kLatex);
  EXPECT_EQ(*ParseTableFormat("csv"), TableFormat::kCsv);
  EXPECT_EQ(*ParseTableFormat("text"), TableFormat::kText);
  EXPECT_EQ(ParseTableFormat("html").status().message(),
            "--format 'html' is not a table format; use text, markdown, csv or latex");
}

TEST(TableFormatTest, FormatCount) {
  EXPECT_EQ(FormatCount(42), "42");
  EXPECT_EQ(FormatCount(999), "999");
  EXPECT_EQ(FormatCount(999.7), "1.00K");
  EXPECT_EQ(FormatCount(850000), "850K");
  EXPECT_EQ(FormatCount(12345678), "12.3M");
  EXPECT_EQ(FormatCount(999999), "1.00M");
  EXPECT_EQ(FormatCount(1.2e9), "1.20B");
  EXPECT_EQ(FormatCount(7.5e12), "7.50T");
}

}  // namespace
}  // namespace vlmlab::report
