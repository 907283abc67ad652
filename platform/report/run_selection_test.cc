#include "platform/report/run_selection.h"

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "platform/report/report_testing.h"

namespace vlmlab::report {
namespace {

constexpr char kSweepText[] = R"pb(
  name: "ablation"
  variants { name: "perceiver" }
  variants { name: "mlp" }
)pb";

TEST(RunSelectionTest, SweepByIdOrNameInExpansionOrder) {
  auto store = FillStore("by_sweep", AblationRuns(), kSweepText);
  const std::vector<std::string> expected = {"b-s0", "b-s1", "p-s0", "p-s1", "m-s0", "m-s1"};
  for (const std::string& arg : {"ablation-1234", "ablation"}) {
    absl::StatusOr<RunSelection> sel = SelectRuns(*store, {arg});
    ASSERT_TRUE(sel.ok()) << sel.status();
    EXPECT_EQ(sel->run_ids, expected) << arg;
    EXPECT_EQ(sel->sweep_id, "ablation-1234");
    EXPECT_EQ(sel->title, "sweep 'ablation' (ablation-1234)");
  }
}

TEST(RunSelectionTest, TheSweepsDescriptionTitlesTheReport) {
  auto store = FillStore("described", AblationRuns(),
                         std::string(kSweepText) + "description: \"which projector\"\n");
  absl::StatusOr<RunSelection> sel = SelectRuns(*store, {"ablation"});
  ASSERT_TRUE(sel.ok()) << sel.status();
  EXPECT_EQ(sel->title, "sweep 'ablation' (ablation-1234): which projector");
}

TEST(RunSelectionTest, NameMeansTheLatestSweep) {
  auto store = FillStore("latest", AblationRuns(), kSweepText);
  ASSERT_TRUE(store->EnsureSweep({"ablation-9999", "ablation", "name: \"ablation\"\n", {}}).ok());
  store::RunDefinition d{"n-s0", "ablation-9999", "baseline", 0, "h", "x: 1\n", {}};
  ASSERT_TRUE(store->UpsertRun(d).ok());
  absl::StatusOr<RunSelection> sel = SelectRuns(*store, {"ablation"});
  ASSERT_TRUE(sel.ok()) << sel.status();
  EXPECT_EQ(sel->run_ids, std::vector<std::string>{"n-s0"});
}

TEST(RunSelectionTest, RunIds) {
  auto store = FillStore("run_ids", AblationRuns());
  absl::StatusOr<RunSelection> sel = SelectRuns(*store, {"m-s1", "b-s0"});
  ASSERT_TRUE(sel.ok()) << sel.status();
  EXPECT_EQ(sel->run_ids, (std::vector<std::string>{"m-s1", "b-s0"}));
  EXPECT_EQ(sel->title, "2 runs");
  sel = SelectRuns(*store, {"b-s1"});
  ASSERT_TRUE(sel.ok()) << sel.status();
  EXPECT_EQ(sel->title, "1 run");
}

TEST(RunSelectionTest, UnknownNames) {
  auto store = FillStore("unknown", AblationRuns());
  absl::Status one = SelectRuns(*store, {"nothing"}).status();
  EXPECT_EQ(one.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(one.message().find(
                "'nothing' is neither a sweep file, a sweep id, a sweep name nor a run id in "
                "store "),
            std::string::npos)
      << one;
  absl::Status two = SelectRuns(*store, {"b-s0", "nothing"}).status();
  EXPECT_THAT(two.message(), ::testing::HasSubstr("'nothing' is not a run id in store")) << two;
  EXPECT_FALSE(SelectRuns(*store, {}).ok());
}

TEST(RunSelectionTest, VariantOrderCrossesAxes) {
  Sweep sweep;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        name: "s"
        variants { name: "deep" }
        axes { field: "model.encoder.vit.depth" values: "1" values: "3" }
        axes {
          name: "proj"
          points { name: "lin" }
          points { name: "mlp3" }
        }
      )pb",
      &sweep));
  EXPECT_EQ(SweepVariantOrder(sweep),
            (std::vector<std::string>{"baseline/depth=1/proj=lin", "baseline/depth=1/proj=mlp3",
                                      "baseline/depth=3/proj=lin", "baseline/depth=3/proj=mlp3",
                                      "deep/depth=1/proj=lin", "deep/depth=1/proj=mlp3",
                                      "deep/depth=3/proj=lin", "deep/depth=3/proj=mlp3"}));
  sweep.set_include_baseline(false);
  sweep.clear_axes();
  EXPECT_EQ(SweepVariantOrder(sweep), std::vector<std::string>{"deep"});
}

TEST(RunSelectionTest, OrderRunsKeepsUnknownVariantsLast) {
  std::vector<store::RunRecord> runs(4);
  runs[0].variant = "x";
  runs[0].seed = 1;
  runs[1].variant = "b";
  runs[1].seed = 1;
  runs[2].variant = "x";
  runs[2].seed = 0;
  runs[3].variant = "a";
  OrderRuns({"a", "b"}, &runs);
  EXPECT_EQ(runs[0].variant, "a");
  EXPECT_EQ(runs[1].variant, "b");
  EXPECT_EQ(runs[2].variant, "x");
  EXPECT_EQ(runs[2].seed, 0);
  EXPECT_EQ(runs[3].seed, 1);
}

}  // namespace
}  // namespace vlmlab::report
