// From a sweep file to store records, run directories, run specs and worker command lines.
#include "platform/sweep/sweep_plan.h"

#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "platform/registry/global_registries.h"
#include "platform/report/run_selection.h"
#include "platform/spec/canonical.h"
#include "tests/test_files.h"

namespace vlmlab::sweep {
namespace {

constexpr char kSweep[] = R"pb(
  name: "s"
  base: "base.textproto"
  variants { name: "deep" set: "model.llm.llama.layers=4" }
  seeds: 0
  seeds: 7
)pb";

class SweepPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    files_.Write("base.textproto", std::string(kValidExperiment) + "runtime { output_dir: \"" +
                                       files_.Path("out") + "\" store: \"" +
                                       files_.Path("store.sqlite") + "\" }\n");
  }

  absl::StatusOr<SweepPlan> Plan(const std::string& sweep_text,
                                 const std::string& file = "s.sweep.textproto") {
    absl::StatusOr<LoadedSweep> loaded = LoadSweepFile(files_.Write(file, sweep_text));
    if (!loaded.ok()) return loaded.status();
    absl::StatusOr<std::vector<SweepRun>> runs = ExpandSweep(*loaded, GlobalRegistries());
    if (!runs.ok()) return runs.status();
    return PlanSweep(*loaded, *runs);
  }

  TestFiles files_{::testing::UnitTest::GetInstance()->current_test_info()->name()};
};

TEST_F(SweepPlanTest, RunsAndTheirRecords) {
  absl::StatusOr<SweepPlan> plan = Plan(kSweep);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->sweep.name, "s");
  ASSERT_EQ(plan->sweep.id.size(), 2 + 16u);
  EXPECT_EQ(plan->sweep.id.substr(0, 2), "s-");
  // The record's text is the sweep without its base, and parses back.
  Sweep back;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(plan->sweep.spec_text, &back));
  EXPECT_FALSE(back.has_base());
  EXPECT_EQ(back.variants(0).name(), "deep");

  ASSERT_EQ(plan->runs.size(), 4u);
  const std::vector<std::pair<std::string, int>> expected = {
      {"baseline", 0}, {"baseline", 7}, {"deep", 0}, {"deep", 7}};
  for (size_t i = 0; i < 4; ++i) {
    const PlannedRun& r = plan->runs[i];
    EXPECT_EQ(r.definition.variant, expected[i].first);
    EXPECT_EQ(r.definition.seed, expected[i].second);
    EXPECT_EQ(r.definition.spec_hash, SpecHash(r.experiment));
    EXPECT_EQ(r.definition.id, r.definition.spec_hash + "-s" + std::to_string(expected[i].second));
    EXPECT_EQ(*r.definition.sweep_id, plan->sweep.id);
    EXPECT_EQ(r.definition.spec_text, CanonicalText(r.experiment));
    EXPECT_EQ(r.run_dir, files_.Path("out") + "/" + r.definition.id);
    EXPECT_EQ(r.spec_path, r.run_dir + "/run.textproto");
    bool has_layers = false;
    for (const store::RunField& f : r.definition.fields) {
      if (f.path == "model.llm.llama.layers") {
        has_layers = true;
        EXPECT_EQ(f.value, i < 2 ? "2" : "4");
      }
    }
    EXPECT_TRUE(has_layers);
  }
  EXPECT_EQ(plan->runs[0].definition.spec_hash, plan->runs[1].definition.spec_hash);
  EXPECT_NE(plan->runs[0].definition.spec_hash, plan->runs[2].definition.spec_hash);
  EXPECT_EQ(*CommonStoreUrl(*plan), files_.Path("store.sqlite"));
}

TEST_F(SweepPlanTest, SweepIdFollowsContentNotFormatting) {
  absl::StatusOr<SweepPlan> a = Plan(kSweep);
  absl::StatusOr<SweepPlan> b = Plan(
      "# a comment\nseeds: 0 seeds: 7 name: 's' base: 'base.textproto'\n"
      "variants { set: 'model.llm.llama.layers=4' name: 'deep' }\n",
      "other.sweep.textproto");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->sweep.id, b->sweep.id);
  EXPECT_EQ(a->sweep.spec_text, b->sweep.spec_text);
  // A changed base is a changed sweep, with other runs.
  std::string base = kValidExperiment;
  size_t at = base.find("layers: 2");
  ASSERT_NE(at, std::string::npos);
  files_.Write("base.textproto", base.replace(at, 9, "layers: 3"));
  absl::StatusOr<SweepPlan> c = Plan(kSweep);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_NE(a->sweep.id, c->sweep.id);
  EXPECT_EQ(a->sweep.spec_text, c->sweep.spec_text);
  EXPECT_NE(a->runs[0].definition.id, c->runs[0].definition.id);
}

TEST_F(SweepPlanTest, RunSpecIsTheCompleteExperiment) {
  absl::StatusOr<SweepPlan> plan = Plan(kSweep);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_TRUE(WriteRunSpecs(*plan).ok());
  const PlannedRun& r = plan->runs[3];
  std::ifstream in(r.spec_path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), RunSpecText(*plan, r));
  EXPECT_THAT(text.str(), ::testing::HasSubstr("# proto-message: vlmlab.Experiment\n"));
  absl::StatusOr<LoadedExperiment> loaded = LoadExperimentFile(r.spec_path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(loaded->experiment, r.experiment))
      << text.str();
  EXPECT_EQ(loaded->experiment.seed(), 7u);
  EXPECT_EQ(loaded->experiment.runtime().output_dir(), files_.Path("out"));
  EXPECT_EQ(SpecHash(loaded->experiment), r.definition.spec_hash);
}

TEST_F(SweepPlanTest, RegisterKeepsStates) {
  absl::StatusOr<SweepPlan> plan = Plan(kSweep);
  ASSERT_TRUE(plan.ok()) << plan.status();
  auto db = store::OpenStore(files_.Path("store.sqlite"));
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE(RegisterSweep(**db, *plan).ok());
  const std::string first = plan->runs[0].definition.id;
  ASSERT_TRUE(*(*db)->ClaimRun(first));
  ASSERT_TRUE((*db)->CompleteRun(first).ok());
  absl::Status again = RegisterSweep(**db, *plan);
  ASSERT_TRUE(again.ok()) << again;
  auto runs = (*db)->ListRuns(plan->sweep.id);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 4u);
  for (const store::RunRecord& r : *runs) {
    EXPECT_EQ(r.status, r.id == first ? store::RunStatus::kCompleted : store::RunStatus::kPending);
  }
}

TEST_F(SweepPlanTest, WorkerCommandLine) {
  absl::StatusOr<SweepPlan> plan = Plan(kSweep);
  ASSERT_TRUE(plan.ok()) << plan.status();
  WorkerArgvOptions o{"/bin/vlmlab", "db.sqlite", 3, {"a.so", "b.so"}};
  const PlannedRun& r = plan->runs[2];
  EXPECT_EQ(WorkerArgv(*plan, r, o),
            (std::vector<std::string>{"/bin/vlmlab", "run", r.spec_path,
                                      "--run_id=" + r.definition.id, "--sweep_id=" + plan->sweep.id,
                                      "--variant=deep", "--store=db.sqlite", "--threads=3",
                                      "--resume", "--plugin_lib=a.so,b.so"}));
  std::vector<WorkerCommand> cmds = WorkerCommands(*plan, o);
  ASSERT_EQ(cmds.size(), 4u);
  EXPECT_EQ(cmds[2].run_id, r.definition.id);
  EXPECT_EQ(cmds[2].label, "deep seed 0");
  EXPECT_EQ(cmds[2].run_dir, r.run_dir);
}

TEST_F(SweepPlanTest, DifferentStoresNeedAFlag) {
  absl::StatusOr<SweepPlan> plan = Plan(
      "name: 's' base: 'base.textproto' variants { name: 'elsewhere' set: "
      "'runtime.store=other.sqlite' set: 'model.llm.llama.layers=4' }");
  ASSERT_TRUE(plan.ok()) << plan.status();
  absl::Status st = CommonStoreUrl(*plan).status();
  EXPECT_THAT(st.message(), ::testing::HasSubstr("name different stores in runtime.store")) << st;
  EXPECT_THAT(st.message(), ::testing::HasSubstr("give one with --store"));
}

TEST(SweepPlan, DefaultThreadsPerWorker) {
  EXPECT_EQ(DefaultThreadsPerWorker(3, 8), 2);
  EXPECT_EQ(DefaultThreadsPerWorker(4, 2), 1);
  EXPECT_EQ(DefaultThreadsPerWorker(1, 16), 16);
  EXPECT_EQ(DefaultThreadsPerWorker(0, 8), 8);
}

// The report orders a stored sweep's runs by report::SweepVariantOrder: it must name variants
// exactly as the expander does.
TEST_F(SweepPlanTest, ReportOrderMatchesExpansion) {
  const std::string text = R"pb(
    name: "s"
    base: "base.textproto"
    variants { name: "deep" set: "model.llm.llama.layers=4" }
    axes { field: "model.encoder.vit.depth" values: "1" values: "3" }
    axes {
      name: "proj"
      points { name: "lin" merge: "model { projector { linear {} } }" }
      points { name: "mlp3" set: "model.projector.mlp.layers=3" }
    }
    seeds: 1
  )pb";
  absl::StatusOr<LoadedSweep> loaded = LoadSweepFile(files_.Write("x.sweep.textproto", text));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  absl::StatusOr<std::vector<SweepRun>> runs = ExpandSweep(*loaded, GlobalRegistries());
  ASSERT_TRUE(runs.ok()) << runs.status();
  std::vector<std::string> names;
  for (const SweepRun& r : *runs) names.push_back(r.name);
  EXPECT_EQ(report::SweepVariantOrder(loaded->sweep), names);
}

}  // namespace
}  // namespace vlmlab::sweep
