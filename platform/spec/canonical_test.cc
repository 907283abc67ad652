#include "platform/spec/canonical.h"

#include "gtest/gtest.h"
#include "platform/spec/experiment.pb.h"
#include "platform/spec/spec_test_util.h"

namespace vlmlab {
namespace {

TEST(SpecHash, StableUnderFormattingCommentsOrderAndNumberSpelling) {
  Experiment a = ParseExperimentForTest(R"pb(
    name: "a"
    model { encoder { vit { depth: 8 width: 256 } } }
    stages {
      name: "s"
      steps: 10
      optimizer { lr: 0.001 }
    }
  )pb");
  Experiment b = ParseExperimentForTest(
      "# a comment\nstages{optimizer{lr:1e-3} steps:10 name:'s'}\n"
      "model{encoder{vit{width:256\n depth:8}}} name: 'a'");
  EXPECT_EQ(SpecHash(a), SpecHash(b));
  EXPECT_EQ(CanonicalText(a), CanonicalText(b));
  EXPECT_EQ(SpecHash(a).size(), 16);
  EXPECT_EQ(SpecHashFull(a).size(), 64);
}

TEST(SpecHash, DefaultsAndUnhashedFieldsDoNotCountButChangesDo) {
  Experiment a = ParseExperimentForTest("name: 'a' model { encoder { vit { } } }");
  Experiment explicit_default = ParseExperimentForTest(
      "name: 'b' description: 'x' seed: 9 tags: 't' runtime { output_dir: 'elsewhere' }"
      " model { encoder { vit { depth: 6 patch_size: 16 } } }");
  EXPECT_EQ(SpecHash(a), SpecHash(explicit_default));
  Experiment changed = ParseExperimentForTest("name: 'a' model { encoder { vit { depth: 7 } } }");
  EXPECT_NE(SpecHash(a), SpecHash(changed));
  // Choosing a plugin with default options is a choice.
  Experiment conv = ParseExperimentForTest("name: 'a' model { encoder { conv { } } }");
  EXPECT_NE(SpecHash(a), SpecHash(conv));
  Experiment threads =
      ParseExperimentForTest("name: 'a' model { encoder { vit { } } } runtime { threads: 4 }");
  EXPECT_NE(SpecHash(a), SpecHash(threads));
}

TEST(SpecHash, ListOrderMatters) {
  Experiment a = ParseExperimentForTest("stages { name: 'x' } stages { name: 'y' }");
  Experiment b = ParseExperimentForTest("stages { name: 'y' } stages { name: 'x' }");
  EXPECT_NE(SpecHash(a), SpecHash(b));
}

TEST(CanonicalText, IsReadableNestedText) {
  Experiment a = ParseExperimentForTest("model { encoder { vit { depth: 8 mlp_ratio: 0.1 } } }");
  EXPECT_EQ(CanonicalText(a),
            "model {\n  encoder {\n    vit {\n      depth: 8\n      mlp_ratio: 0.100000001\n"
            "    }\n  }\n}\n");
}

TEST(NormalizeSpec, DropsDefaultsAndEmptyMessagesButKeepsChosenPlugins) {
  Experiment a = ParseExperimentForTest(
      "seed: 0 model { encoder { vit { depth: 6 } } } runtime { threads: 0 }");
  NormalizeSpec(&a);
  EXPECT_FALSE(a.has_seed());
  EXPECT_FALSE(a.has_runtime());
  EXPECT_TRUE(a.model().encoder().has_vit());
  EXPECT_FALSE(a.model().encoder().vit().has_depth());
}

}  // namespace
}  // namespace vlmlab
