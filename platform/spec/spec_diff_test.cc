#include "platform/spec/spec_diff.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/spec/experiment.pb.h"
#include "platform/spec/spec_test_util.h"

namespace vlmlab {
namespace {

TEST(DiffSpecs, ReportsLeafChangesByPathWithKeys) {
  Experiment a = ParseExperimentForTest(R"pb(
    model { projector { pixel_shuffle { factor: 2 } } }
    stages { name: "pre" steps: 10 }
    stages { name: "sft" steps: 20 }
  )pb");
  Experiment b = ParseExperimentForTest(R"pb(
    model { projector { pixel_shuffle { factor: 3 } } }
    stages { name: "sft" steps: 25 }
    stages { name: "pre" steps: 10 }
    stages { name: "dpo" steps: 5 }
  )pb");
  EXPECT_EQ(FormatSpecDiff(DiffSpecs(a, b)),
            "~ model.projector.pixel_shuffle.factor: 2 -> 3\n"
            "~ stages[sft].steps: 20 -> 25\n"
            "+ stages[dpo]: { name: \"dpo\" steps: 5 }\n");
}

TEST(DiffSpecs, SwitchingPluginsIsOneRemovalAndOneAddition) {
  Experiment a = ParseExperimentForTest("model { encoder { vit { depth: 4 } } }");
  Experiment b = ParseExperimentForTest("model { encoder { conv { width: 16 } } }");
  EXPECT_EQ(FormatSpecDiff(DiffSpecs(a, b)),
            "- model.encoder.vit: { depth: 4 }\n+ model.encoder.conv: { width: 16 }\n");
}

TEST(DiffSpecs, ExplicitDefaultsAreNoChange) {
  Experiment a = ParseExperimentForTest("model { encoder { vit { } } }");
  Experiment b =
      ParseExperimentForTest("seed: 0 model { encoder { vit { depth: 6 } } } runtime { }");
  EXPECT_TRUE(DiffSpecs(a, b).empty()) << FormatSpecDiff(DiffSpecs(a, b));
}

TEST(DiffSpecs, RemovedValuesAreReportedAndUnsetScalarsReturnToDefault) {
  Experiment a = ParseExperimentForTest("tags: 'x' tags: 'y' seed: 4");
  Experiment b = ParseExperimentForTest("tags: 'x'");
  std::vector<SpecChange> changes = DiffSpecs(a, b);
  std::string text = FormatSpecDiff(changes);
  EXPECT_THAT(text, ::testing::HasSubstr("~ seed: 4 -> 0")) << text;  // back to its default
  EXPECT_THAT(text, ::testing::HasSubstr("tags")) << text;
}

}  // namespace
}  // namespace vlmlab
