// Sweep files: expansion order and naming, overrides per run, hashes shared with equivalent
// experiment files, and the errors of bad sweeps.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/canonical.h"
#include "platform/spec/spec_loader.h"
#include "platform/spec/sweep_expander.h"
#include "tests/test_files.h"

namespace vlmlab {
namespace {

class SweepExpansionTest : public ::testing::Test {
 protected:
  void SetUp() override { files_.Write("base.textproto", kValidExperiment); }

  absl::StatusOr<std::vector<SweepRun>> Expand(const std::string& sweep_text) {
    std::string path = files_.Write("s.sweep.textproto", sweep_text);
    absl::StatusOr<LoadedSweep> sweep = LoadSweepFile(path);
    if (!sweep.ok()) return sweep.status();
    return ExpandSweep(*sweep, GlobalRegistries());
  }

  std::string Error(const std::string& sweep_text) {
    absl::StatusOr<std::vector<SweepRun>> runs = Expand(sweep_text);
    return runs.ok() ? "" : std::string(runs.status().message());
  }

  TestFiles files_{::testing::UnitTest::GetInstance()->current_test_info()->name()};
};

TEST_F(SweepExpansionTest, VariantsCrossAxesCrossSeeds) {
  absl::StatusOr<std::vector<SweepRun>> runs = Expand(R"pb(
    name: "s"
    base: "base.textproto"
    variants { name: "deep" set: "model.llm.llama.layers=4" }
    axes { field: "model.encoder.vit.depth" values: "1" values: "3" }
    axes {
      name: "proj"
      points { name: "lin" merge: "model { projector { linear {} } }" }
      points { name: "mlp3" set: "model.projector.mlp.layers=3" }
    }
    seeds: 5
    seeds: 6
  )pb");
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 2 * 2 * 2 * 2);
  std::vector<std::string> names;
  for (size_t i = 0; i < runs->size(); i += 2) names.push_back((*runs)[i].name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"baseline/depth=1/proj=lin", "baseline/depth=1/proj=mlp3",
                                      "baseline/depth=3/proj=lin", "baseline/depth=3/proj=mlp3",
                                      "deep/depth=1/proj=lin", "deep/depth=1/proj=mlp3",
                                      "deep/depth=3/proj=lin", "deep/depth=3/proj=mlp3"}));
  const SweepRun& last = runs->back();
  EXPECT_EQ(last.seed, 6);
  EXPECT_EQ(last.experiment.seed(), 6);
  EXPECT_EQ(last.experiment.model().llm().llama().layers(), 4);
  EXPECT_EQ(last.experiment.model().encoder().vit().depth(), 3);
  EXPECT_EQ(last.experiment.model().projector().mlp().layers(), 3);
  EXPECT_EQ(last.overrides,
            (std::vector<std::string>{"model.llm.llama.layers=4", "model.encoder.vit.depth=3",
                                      "model.projector.mlp.layers=3", "seed=6"}));
  // Seeds share the configuration hash; configurations differ.
  EXPECT_EQ((*runs)[0].hash, (*runs)[1].hash);
  EXPECT_NE((*runs)[0].hash, (*runs)[2].hash);
}

TEST_F(SweepExpansionTest, BaselineNameNamesTheUnmodifiedRuns) {
  absl::StatusOr<std::vector<SweepRun>> runs = Expand(R"pb(
    name: "s"
    base: "base.textproto"
    baseline_name: "idefics2"
    variants { name: "deep" set: "model.llm.llama.layers=4" }
  )pb");
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].name, "idefics2");
  EXPECT_EQ((*runs)[1].name, "deep");
  // A variant may not take the baseline's name.
  EXPECT_CONTAINS(Error(R"pb(name: "s"
                             base: "base.textproto"
                             baseline_name: "deep"
                             variants { name: "deep" set: "model.llm.llama.layers=4" })pb"),
                  "'deep' is the baseline's name");
}

TEST_F(SweepExpansionTest, RunHashEqualsTheEquivalentExperimentFile) {
  absl::StatusOr<std::vector<SweepRun>> runs = Expand(R"pb(
    name: "s"
    base: "base.textproto"
    include_baseline: false
    variants { name: "ps" merge: "model { projector { pixel_shuffle { factor: 2 } } }" }
  )pb");
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 1);
  std::string equivalent = files_.Write("ps.textproto",
                                        "base: \"base.textproto\"\nname: \"another name\"\n"
                                        "model { projector { pixel_shuffle {} } }\n");
  absl::StatusOr<LoadedExperiment> exp = LoadExperimentFile(equivalent);
  ASSERT_TRUE(exp.ok()) << exp.status();
  EXPECT_EQ((*runs)[0].hash, SpecHash(exp->experiment));
}

TEST_F(SweepExpansionTest, InlineBaseExperiment) {
  absl::StatusOr<std::vector<SweepRun>> runs =
      Expand(std::string("name: 's'\nbase_experiment {\n  base: 'base.textproto'\n"
                         "  name: 'inline'\n}\nseeds: 1\n"));
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 1);
  EXPECT_EQ((*runs)[0].experiment.name(), "inline");
}

TEST_F(SweepExpansionTest, MissingAndCyclicBasesAreRefused) {
  EXPECT_CONTAINS(Error("name: 's' base: 'nope.textproto'"),
                  "s.sweep.textproto:1:11: base 'nope.textproto' does not exist");
  EXPECT_CONTAINS(Error("name: 's'"), "a sweep needs a base experiment");
  files_.Write("loop.textproto", "base: \"loop2.textproto\"\n");
  files_.Write("loop2.textproto", "base: \"loop.textproto\"\n");
  EXPECT_CONTAINS(Error("name: 's' base: 'loop.textproto'"), "makes a cycle");
  EXPECT_CONTAINS(Error("name: 's' base_experiment { base: 's.sweep.textproto' }"),
                  "makes a cycle");
}

TEST_F(SweepExpansionTest, BadSweepsAreRefusedWithReasons) {
  EXPECT_CONTAINS(Error("name: 's' base: 'base.textproto' axes { field: 'seed' }"),
                  "axes[0]: an axis with field needs at least one value");
  EXPECT_CONTAINS(Error("name: 's' base: 'base.textproto' axes { field: 'seed' values: '1' "
                        "points { name: 'p' set: 'seed=2' } }"),
                  "axes[0]: give either field with values, or points, not both");
  EXPECT_CONTAINS(Error("name: 's' base: 'base.textproto' variants { name: 'v' }"),
                  "variants[v]: changes nothing");
  EXPECT_CONTAINS(Error("name: 's' base: 'base.textproto' seeds: 1 seeds: 1"),
                  "a seed is listed twice");
  EXPECT_CONTAINS(Error("name: 's' base: 'base.textproto' variants { name: 'same' set: "
                        "'model.encoder.vit.depth=2' }"),
                  "runs 'baseline' and 'same' have the same spec");
  std::string invalid = Error(
      "name: 's' base: 'base.textproto' variants { name: 'v' set: 'model.encoder.vit.depth=0' }");
  EXPECT_CONTAINS(invalid, "run 'v' (model.encoder.vit.depth=0) is invalid");
  EXPECT_CONTAINS(invalid, "model.encoder.vit.depth: must be at least 1, got 0");
  EXPECT_CONTAINS(Error("name: 's' base: 'base.textproto' variants { name: 'v' set: 'nope=1' }"),
                  "run 'v': override 'nope=1': Experiment has no field 'nope'");
  EXPECT_CONTAINS(Error("name: 's' base: 'base.textproto' include_baseline: false"),
                  "the sweep has no runs");
  EXPECT_CONTAINS(
      Error("name: 's' base: 'base.textproto' variants { name: 'a b' set: 'seed=1' }"),
      "variant name 'a b' may use only letters, digits and _ - . =");
  std::string huge = "name: 's' base: 'base.textproto'";
  for (int a = 0; a < 6; ++a) {
    huge += " axes { field: 'model.encoder.vit.depth'";
    for (int v = 1; v <= 10; ++v) huge += " values: '" + std::to_string(v) + "'";
    huge += " }";
  }
  EXPECT_CONTAINS(Error(huge), "the sweep expands to 1000000 runs; at most 100000");
}

TEST(IsSweepFile, ByHeaderOrName) {
  EXPECT_TRUE(IsSweepFile("a.sweep.textproto", ""));
  EXPECT_TRUE(IsSweepFile("a.textproto", "# proto-file: x\n# proto-message: vlmlab.Sweep\n"));
  EXPECT_FALSE(IsSweepFile("a.textproto", "# proto-message: vlmlab.Experiment\n"));
  EXPECT_FALSE(IsSweepFile("a.textproto", "name: 'x'\n# proto-message: vlmlab.Sweep\n"));
}

}  // namespace
}  // namespace vlmlab
