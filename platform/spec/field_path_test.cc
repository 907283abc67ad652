#include "platform/spec/field_path.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/spec/closest_match.h"
#include "platform/spec/experiment.pb.h"
#include "platform/spec/spec_test_util.h"

namespace vlmlab {
namespace {

Experiment Sample() {
  return ParseExperimentForTest(R"pb(
    stages { name: "pretrain" steps: 10 }
    stages { name: "sft" steps: 20 }
    tags: "a"
    model { encoder { vit { depth: 3 } } }
  )pb");
}

TEST(ParsePathText, SegmentsIndicesAndKeys) {
  auto segs = ParsePathText("stages[sft].optimizer.lr");
  ASSERT_TRUE(segs.ok()) << segs.status();
  ASSERT_EQ(segs->size(), 3);
  EXPECT_EQ((*segs)[0].name, "stages");
  EXPECT_EQ((*segs)[0].selector, PathSegment::Selector::kKey);
  EXPECT_EQ((*segs)[0].key, "sft");
  auto idx = ParsePathText("data[2].components[0].weight");
  ASSERT_TRUE(idx.ok());
  EXPECT_EQ((*idx)[0].selector, PathSegment::Selector::kIndex);
  EXPECT_EQ((*idx)[0].index, 2);
  auto quoted = ParsePathText("stages[\"7\"].steps");
  ASSERT_TRUE(quoted.ok());
  EXPECT_EQ((*quoted)[0].selector, PathSegment::Selector::kKey);
  EXPECT_EQ((*quoted)[0].key, "7");
}

TEST(ParsePathText, RejectsMalformedPaths) {
  for (const char* bad : {"", "a.", ".a", "a[", "a[]", "a[-1]", "a..b", "a b"}) {
    EXPECT_FALSE(ParsePathText(bad).ok()) << bad;
  }
}

TEST(ResolvePath, FindsKeyedElementsAndFormatsWithKeys) {
  Experiment e = Sample();
  auto path = ResolvePath(e, *ParsePathText("stages[sft].steps"));
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ((*path)[0].index, 1);
  EXPECT_EQ(FormatPath(e, *path), "stages[sft].steps");
  auto by_index = ResolvePath(e, *ParsePathText("stages[0]"));
  ASSERT_TRUE(by_index.ok());
  EXPECT_EQ(FormatPath(e, *by_index), "stages[pretrain]");
}

TEST(ResolvePath, ErrorsNameTheProblemAndSuggest) {
  Experiment e = Sample();
  auto typo = ResolvePath(e, *ParsePathText("model.encoder.vit.dpeth"));
  ASSERT_FALSE(typo.ok());
  EXPECT_THAT(typo.status().message(), ::testing::HasSubstr("VitOptions has no field 'dpeth'"));
  EXPECT_THAT(typo.status().message(), ::testing::HasSubstr("did you mean 'depth'"));
  auto missing = ResolvePath(e, *ParsePathText("stages[stf].steps"));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), ::testing::HasSubstr("did you mean 'sft'"));
  EXPECT_FALSE(ResolvePath(e, *ParsePathText("stages[5]")).ok());
  EXPECT_FALSE(ResolvePath(e, *ParsePathText("tags[x]")).ok());  // strings have no key
  EXPECT_FALSE(ResolvePath(e, *ParsePathText("seed.x")).ok());
}

TEST(ClosestMatch, PrefersSmallEditsAndRejectsFarOnes) {
  EXPECT_EQ(ClosestMatch("patch_sise", {"patch_size", "width"}), "patch_size");
  EXPECT_EQ(ClosestMatch("VIT", {"conv", "vit"}), "vit");
  EXPECT_EQ(ClosestMatch("transformer", {"conv", "vit"}), "");
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3);
}

}  // namespace
}  // namespace vlmlab
