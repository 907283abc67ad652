#include "platform/spec/overrides.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/spec/experiment.pb.h"
#include "platform/spec/spec_test_util.h"

namespace vlmlab {
namespace {

Experiment Base() {
  return ParseExperimentForTest(R"pb(
    name: "base"
    model { encoder { vit { depth: 3 } } }
    stages { name: "pretrain" steps: 10 }
    stages { name: "sft" steps: 20 }
    tags: "a"
    tags: "b"
  )pb");
}

void Apply(const std::string& o, Experiment* e) {
  absl::Status s = ApplyOverride(o, e);
  ASSERT_TRUE(s.ok()) << s;
}

TEST(ApplyOverride, SetsScalarsOfEveryKind) {
  Experiment e = Base();
  Apply("seed=7", &e);
  Apply("model.encoder.vit.depth=8", &e);
  Apply("model.encoder.vit.mlp_ratio=2.5", &e);
  Apply("model.encoder.vit.cls_token=true", &e);
  Apply("model.encoder.vit.position_embedding=SINCOS_2D", &e);
  Apply("name=run 7", &e);  // bare string
  Apply("description=\"quoted, with comma\"", &e);
  EXPECT_EQ(e.seed(), 7);
  EXPECT_EQ(e.model().encoder().vit().depth(), 8);
  EXPECT_FLOAT_EQ(e.model().encoder().vit().mlp_ratio(), 2.5f);
  EXPECT_TRUE(e.model().encoder().vit().cls_token());
  EXPECT_EQ(e.model().encoder().vit().position_embedding(), VitOptions::SINCOS_2D);
  EXPECT_EQ(e.name(), "run 7");
  EXPECT_EQ(e.description(), "quoted, with comma");
}

TEST(ApplyOverride, KeyedElementsAreAddressedByNameAndCreatedWhenAbsent) {
  Experiment e = Base();
  Apply("stages[sft].steps=99", &e);
  EXPECT_EQ(e.stages(1).steps(), 99);
  EXPECT_EQ(e.stages(0).steps(), 10);
  Apply("stages[dpo].steps=5", &e);
  ASSERT_EQ(e.stages_size(), 3);
  EXPECT_EQ(e.stages(2).name(), "dpo");
  EXPECT_EQ(e.stages(2).steps(), 5);
  Apply("stages[0].steps=1", &e);
  EXPECT_EQ(e.stages(0).steps(), 1);
}

TEST(ApplyOverride, MessageValuesReplaceAndSwitchTheOneof) {
  Experiment e = Base();
  Apply("model.encoder.conv={width: 16 stages: 2}", &e);
  EXPECT_FALSE(e.model().encoder().has_vit());
  EXPECT_EQ(e.model().encoder().conv().width(), 16);
  Apply("model.encoder.conv=stages: 4", &e);  // braces optional; replaces, so width resets
  EXPECT_FALSE(e.model().encoder().conv().has_width());
  EXPECT_EQ(e.model().encoder().conv().stages(), 4);
  Apply("model.projector.mlp.layers=3", &e);  // intermediate messages are created
  EXPECT_EQ(e.model().projector().mlp().layers(), 3);
  Apply("stages[sft]={steps: 7}", &e);  // the element keeps its key
  EXPECT_EQ(e.stages(1).name(), "sft");
  EXPECT_EQ(e.stages(1).steps(), 7);
}

TEST(ApplyOverride, ListsAreReplacedWholeOrByElement) {
  Experiment e = Base();
  Apply("tags=[x, 'y z', \"w\"]", &e);
  ASSERT_EQ(e.tags_size(), 3);
  EXPECT_EQ(e.tags(1), "y z");
  Apply("tags=solo", &e);
  ASSERT_EQ(e.tags_size(), 1);
  EXPECT_EQ(e.tags(0), "solo");
  Apply("tags[1]=second", &e);  // index == size appends
  Apply("tags[0]=first", &e);
  ASSERT_EQ(e.tags_size(), 2);
  EXPECT_EQ(e.tags(0), "first");
  EXPECT_EQ(e.tags(1), "second");
  Apply("tags=[]", &e);
  EXPECT_EQ(e.tags_size(), 0);
}

TEST(ApplyOverride, ClearsFieldsAndRemovesElements) {
  Experiment e = Base();
  Apply("-stages[pretrain]", &e);
  ASSERT_EQ(e.stages_size(), 1);
  EXPECT_EQ(e.stages(0).name(), "sft");
  Apply("-model.encoder", &e);
  EXPECT_FALSE(e.model().has_encoder());
  Apply("-tags[0]", &e);
  ASSERT_EQ(e.tags_size(), 1);
  EXPECT_EQ(e.tags(0), "b");
}

TEST(ApplyOverride, ErrorsQuoteTheOverrideAndSayWhatIsWrong) {
  Experiment e = Base();
  struct Case {
    const char* text;
    const char* expected;
  } cases[] = {
      {"seed", "expected field.path=value"},
      {"model.encoder.vit.dpeth=3", "did you mean 'depth'"},
      {"model.encoder.vit.depth=abc", "'abc' is not a valid depth (int32)"},
      {"model.encoder.vit.position_embedding=RANDOM", "one of LEARNED, SINCOS_2D"},
      {"stages.steps=3", "'stages' is a list; pick an element"},
      {"seed.x=3", "'seed' is a uint64 and has no fields"},
      {"tags[x]=3", "have no key"},
      {"stages[9].steps=3", "there is no [9]"},
      {"-stages[nope]", "has no element 'nope' to remove"},
      {"model[0].x=1", "'model' is not a list"},
  };
  for (const Case& c : cases) {
    absl::Status s = ApplyOverride(c.text, &e);
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_THAT(s.message(), ::testing::HasSubstr(c.expected)) << s.message();
    EXPECT_NE(s.message().find(std::string("override '") + c.text), std::string::npos)
        << s.message();
  }
}

TEST(ApplyMergeFragment, MergesByKeyAndReportsParseErrorsWithPosition) {
  Experiment e = Base();
  absl::Status s = ApplyMergeFragment(
      "stages { name: 'sft' steps: 3 } stages { name: 'dpo' steps: 1 } tags: 'only'", &e);
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_EQ(e.stages_size(), 3);
  EXPECT_EQ(e.stages(1).steps(), 3);
  EXPECT_EQ(e.stages(2).name(), "dpo");
  EXPECT_EQ(e.tags_size(), 1);
  absl::Status bad = ApplyMergeFragment("model {\n  encoder { vit { depth: x } } }", &e);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.message(), ::testing::HasSubstr("merge fragment:2:")) << bad.message();
  absl::Status unkeyed = ApplyMergeFragment("stages { steps: 3 }", &e);
  ASSERT_FALSE(unkeyed.ok());
  EXPECT_THAT(unkeyed.message(), ::testing::HasSubstr("stages[0] has no name"))
      << unkeyed.message();
}

}  // namespace
}  // namespace vlmlab
