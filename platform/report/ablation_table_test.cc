// The ablation table from a store filled by hand (report_testing.h), with every summary worked
// out here: means and sample stds, the seed-averaged paired difference and its interval,
// swept fields, costs, missing values.
#include "platform/report/ablation_table.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/report/report_testing.h"

namespace vlmlab::report {
namespace {

TEST(AblationTableTest, SummarisesEachVariant) {
  std::vector<TestRun> runs = AblationRuns();
  auto store = FillStore("summaries", runs);
  absl::StatusOr<AblationTable> t = BuildAblationTable(*store, Ids(runs), {});
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->rows.size(), 3u);
  EXPECT_EQ(t->baseline, "baseline");
  EXPECT_EQ(t->rows[0].variant, "baseline");
  EXPECT_EQ(t->rows[1].variant, "mlp");
  EXPECT_EQ(t->rows[2].variant, "perceiver");
  EXPECT_EQ(t->rows[2].completed_runs, 1);
  EXPECT_EQ(t->rows[2].run_ids.size(), 2u);

  // Columns ordered by evaluator, then key.
  ASSERT_EQ(t->metrics.size(), 2u);
  EXPECT_EQ(t->metrics[0].label, "caption/cider");
  EXPECT_EQ(t->metrics[1].label, "vqa/overall");
  // vqa/overall: baseline 0.5, 0.6 -> mean 0.55, std sqrt((0.05^2 + 0.05^2) / 1) = 0.0707107.
  const Stat& b = t->rows[0].metrics[1];
  EXPECT_EQ(b.n, 2);
  EXPECT_NEAR(b.mean, 0.55, 1e-12);
  EXPECT_NEAR(b.stddev, std::sqrt(0.005), 1e-12);
  EXPECT_NEAR(t->rows[1].metrics[1].mean, 0.75, 1e-12);
  // The failed perceiver run's 0.95 is ignored: one seed, no spread.
  EXPECT_EQ(t->rows[2].metrics[1].n, 1);
  EXPECT_NEAR(t->rows[2].metrics[1].mean, 0.40, 1e-12);
  EXPECT_EQ(t->rows[2].metrics[1].stddev, 0);
  // caption/cider: missing for mlp.
  EXPECT_NEAR(t->rows[0].metrics[0].stddev, std::sqrt(0.02), 1e-12);
  EXPECT_EQ(t->rows[1].metrics[0].n, 0);
}

TEST(AblationTableTest, PairedDifferenceAveragesSeedsPerExample) {
  std::vector<TestRun> runs = AblationRuns();
  auto store = FillStore("difference", runs);
  absl::StatusOr<AblationTable> t = BuildAblationTable(*store, Ids(runs), {});
  ASSERT_TRUE(t.ok()) << t.status();
  // Only vqa has predictions.
  ASSERT_EQ(t->difference_evaluators, std::vector<std::string>{"vqa"});
  EXPECT_FALSE(t->rows[0].differences[0].available);  // the baseline itself
  // mlp - baseline per example, averaged over seeds 0 and 1:
  //   q1 (0 + 0) / 2 = 0, q2 (1 + 0) / 2 = 0.5, q3 (0 + 1) / 2 = 0.5, q4 0  -> mean 0.25.
  // Resampling {0, .5, .5, 0}: all-zero and all-0.5 resamples each have probability 1/16 >
  // 2.5%, so the 95% interval is [0, 0.5].
  const Difference& m = t->rows[1].differences[0];
  ASSERT_TRUE(m.available);
  EXPECT_NEAR(m.estimate, 0.25, 1e-12);
  EXPECT_NEAR(m.lower, 0.0, 1e-12);
  EXPECT_NEAR(m.upper, 0.5, 1e-12);
  EXPECT_EQ(m.examples, 4);
  EXPECT_EQ(m.seeds, 2);
  // perceiver: seed 0 only (seed 1 failed), q4 unscored: q1 -1, q2 0, q3 0 -> -1/3.
  const Difference& p = t->rows[2].differences[0];
  ASSERT_TRUE(p.available);
  EXPECT_NEAR(p.estimate, -1.0 / 3, 1e-12);
  EXPECT_EQ(p.examples, 3);
  EXPECT_EQ(p.seeds, 1);
  EXPECT_LE(p.lower, p.estimate);
  EXPECT_GE(p.upper, p.estimate);
  EXPECT_GE(p.lower, -1.0);
}

TEST(AblationTableTest, AnotherBaseline) {
  std::vector<TestRun> runs = AblationRuns();
  auto store = FillStore("other_baseline", runs);
  AblationOptions o;
  o.baseline = "mlp";
  absl::StatusOr<AblationTable> t = BuildAblationTable(*store, Ids(runs), o);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->baseline, "mlp");
  EXPECT_FALSE(t->rows[1].differences[0].available);
  EXPECT_NEAR(t->rows[0].differences[0].estimate, -0.25, 1e-12);
  EXPECT_NEAR(t->rows[0].differences[0].lower, -0.5, 1e-12);
  EXPECT_NEAR(t->rows[0].differences[0].upper, 0.0, 1e-12);

  o.baseline = "nope";
  absl::Status bad = BuildAblationTable(*store, Ids(runs), o).status();
  EXPECT_EQ(bad.message(),
            "--baseline 'nope' is not a variant of these runs; use one of: baseline, mlp, "
            "perceiver");
}

TEST(AblationTableTest, SweptFieldsAndCosts) {
  std::vector<TestRun> runs = AblationRuns();
  auto store = FillStore("fields", runs);
  absl::StatusOr<AblationTable> t = BuildAblationTable(*store, Ids(runs), {});
  ASSERT_TRUE(t.ok()) << t.status();
  // Differing across variants: encoder depth, llm depth, projector. Not: llm width (constant),
  // mlp.layers (one variant has it), name (left out), output_dir (constant).
  ASSERT_EQ(t->fields.size(), 3u);
  EXPECT_EQ(t->fields[0].path, "model.encoder.depth");
  EXPECT_EQ(t->fields[0].label, "encoder.depth");
  EXPECT_EQ(t->fields[1].label, "llm.depth");
  EXPECT_EQ(t->fields[2].label, "projector");
  EXPECT_EQ(t->rows[1].fields, (std::vector<std::string>{"2", "6", "mlp"}));
  // Costs: baseline params 12345678 both seeds, FLOPs (1.5e15 + 2.5e15) / 2, samples/s 110.
  const std::vector<Stat>& c = t->rows[0].costs;
  EXPECT_EQ(c[0].mean, 12345678);
  EXPECT_EQ(c[1].mean, 1000000);
  EXPECT_EQ(c[2].mean, 64);
  EXPECT_EQ(c[3].mean, 2e15);
  EXPECT_EQ(c[4].mean, 110);
  EXPECT_EQ(t->rows[1].costs[0].mean, 13000000);
  EXPECT_EQ(t->rows[1].costs[3].n, 0);
}

TEST(AblationTableTest, MetricFilter) {
  std::vector<TestRun> runs = AblationRuns();
  auto store = FillStore("filter", runs);
  AblationOptions o;
  o.metrics = {"caption"};
  absl::StatusOr<AblationTable> t = BuildAblationTable(*store, Ids(runs), o);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->metrics.size(), 1u);
  EXPECT_EQ(t->metrics[0].label, "caption/cider");
  EXPECT_TRUE(t->difference_evaluators.empty());  // caption has no predictions
  o.metrics = {"overall"};
  t = BuildAblationTable(*store, Ids(runs), o);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->metrics.size(), 1u);
  EXPECT_EQ(t->difference_evaluators, std::vector<std::string>{"vqa"});
  // Breakdowns ("type/yes/no") only on request: by name, or all of them.
  auto labels = [&](const AblationOptions& opt) {
    std::vector<std::string> out;
    absl::StatusOr<AblationTable> table = BuildAblationTable(*store, Ids(runs), opt);
    EXPECT_TRUE(table.ok()) << table.status();
    for (const MetricColumn& c : table->metrics) out.push_back(c.label);
    return out;
  };
  o.metrics = {"vqa"};
  EXPECT_EQ(labels(o), std::vector<std::string>{"vqa/overall"});
  o.metrics = {"vqa/type/yes/no"};
  EXPECT_EQ(labels(o), std::vector<std::string>{"vqa/type/yes/no"});
  o.metrics = {};
  o.breakdowns = true;
  EXPECT_EQ(labels(o),
            (std::vector<std::string>{"caption/cider", "vqa/overall", "vqa/type/yes/no"}));
  o.breakdowns = false;
  EXPECT_EQ(labels(o), (std::vector<std::string>{"caption/cider", "vqa/overall"}));
}

TEST(AblationTableTest, Errors) {
  std::vector<TestRun> runs = AblationRuns();
  auto store = FillStore("errors", runs);
  EXPECT_FALSE(BuildAblationTable(*store, {}, {}).ok());
  absl::Status unknown = BuildAblationTable(*store, {"b-s0", "zz"}, {}).status();
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(unknown.message(), ::testing::HasSubstr("'zz'")) << unknown;
}

}  // namespace
}  // namespace vlmlab::report
