#include "platform/spec/spec_merge.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/spec/experiment.pb.h"
#include "platform/spec/spec_test_util.h"

namespace vlmlab {
namespace {

TEST(MergeSpec, ScalarsReplaceMessagesMergeAndUnsetFieldsStay) {
  Experiment dst = ParseExperimentForTest(
      "name: 'base' seed: 3 model { llm { llama { hidden: 64 layers: 2 } } }");
  Experiment src = ParseExperimentForTest("name: 'child' model { llm { llama { layers: 8 } } }");
  ASSERT_TRUE(MergeSpec(src, &dst).ok());
  EXPECT_EQ(dst.name(), "child");
  EXPECT_EQ(dst.seed(), 3);
  EXPECT_EQ(dst.model().llm().llama().hidden(), 64);
  EXPECT_EQ(dst.model().llm().llama().layers(), 8);
}

TEST(MergeSpec, ChoosingAnotherPluginReplacesTheOneofMember) {
  Experiment dst = ParseExperimentForTest("model { projector { perceiver { num_latents: 8 } } }");
  Experiment src = ParseExperimentForTest("model { projector { mlp { layers: 3 } } }");
  ASSERT_TRUE(MergeSpec(src, &dst).ok());
  EXPECT_FALSE(dst.model().projector().has_perceiver());
  EXPECT_EQ(dst.model().projector().mlp().layers(), 3);
}

TEST(MergeSpec, KeyedListsMergeByKeyOtherListsReplace) {
  Experiment dst = ParseExperimentForTest(R"pb(
    stages { name: "a" steps: 1 batch_size: 4 }
    stages { name: "b" steps: 2 }
    tags: "x"
    tags: "y"
    data {
      name: "d"
      components { weight: 1 }
      components { weight: 2 }
    }
  )pb");
  Experiment src = ParseExperimentForTest(R"pb(
    stages { name: "b" steps: 20 }
    stages { name: "c" steps: 3 }
    tags: "z"
    data {
      name: "d"
      components { weight: 5 }
    }
  )pb");
  ASSERT_TRUE(MergeSpec(src, &dst).ok());
  ASSERT_EQ(dst.stages_size(), 3);
  EXPECT_EQ(dst.stages(0).batch_size(), 4);
  EXPECT_EQ(dst.stages(1).steps(), 20);
  EXPECT_EQ(dst.stages(2).name(), "c");
  ASSERT_EQ(dst.tags_size(), 1);
  EXPECT_EQ(dst.tags(0), "z");
  ASSERT_EQ(dst.data(0).components_size(), 1);  // unkeyed list: replaced
  EXPECT_EQ(dst.data(0).components(0).weight(), 5);
}

TEST(MergeSpec, KeyedElementWithoutKeyIsAnError) {
  Experiment dst = ParseExperimentForTest("stages { name: 'a' }");
  Experiment src = ParseExperimentForTest("stages { steps: 3 }");
  absl::Status s = MergeSpec(src, &dst);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), ::testing::HasSubstr("stages[0] has no name")) << s;
}

}  // namespace
}  // namespace vlmlab
