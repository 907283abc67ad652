#include "platform/data/synth/synth_config.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/data/synth/generator.h"

namespace vlmlab {
namespace {

TEST(SynthConfigTest, ParsesTaskListsAndSplits) {
  absl::StatusOr<std::vector<SynthTask>> tasks = ParseSynthTasks("vqa, Caption,alt_text");
  ASSERT_TRUE(tasks.ok()) << tasks.status();
  EXPECT_EQ(*tasks,
            (std::vector<SynthTask>{SynthTask::kVqa, SynthTask::kCaption, SynthTask::kAltText}));
  for (int t = 0; t < kNumSynthTasks; ++t) {
    SynthTask task = static_cast<SynthTask>(t);
    EXPECT_EQ(ParseSynthTask(SynthTaskName(task)).value(), task);
  }
  EXPECT_EQ(ParseSynthSplit("val").value(), SynthSplit::kVal);
  absl::Status bad = ParseSynthTasks("vqa,captions").status();
  EXPECT_THAT(bad.message(), ::testing::HasSubstr("'captions'")) << bad;
  EXPECT_THAT(bad.message(), ::testing::HasSubstr("caption, alt_text")) << bad;
  EXPECT_FALSE(ParseSynthTasks(" , ").ok());
  EXPECT_FALSE(ParseSynthSplit("validation").ok());
}

TEST(SynthConfigTest, ValidationNamesTheField) {
  SynthConfig c;
  EXPECT_TRUE(ValidateSynthConfig(c).ok());
  c.image_size = 4;
  EXPECT_THAT(ValidateSynthConfig(c).message(), ::testing::HasSubstr("image_size"));
  c = SynthConfig();
  c.max_objects = 33;
  EXPECT_THAT(ValidateSynthConfig(c).message(), ::testing::HasSubstr("max_objects"));
  c = SynthConfig();
  c.tasks.clear();
  EXPECT_THAT(ValidateSynthConfig(c).message(), ::testing::HasSubstr("tasks"));
  c = SynthConfig();
  c.task_weights = {1, 2};
  EXPECT_THAT(ValidateSynthConfig(c).message(), ::testing::HasSubstr("task_weights"));
  c.task_weights = {0};
  EXPECT_FALSE(ValidateSynthConfig(c).ok());
  c = SynthConfig();
  c.num_images = 0;
  EXPECT_THAT(ValidateSynthConfig(c).message(), ::testing::HasSubstr("num_images"));
}

TEST(SynthConfigTest, MirrorsTheSpecOptions) {
  SyntheticWorldOptions o;
  o.add_tasks(SyntheticWorldOptions::VQA);
  o.add_tasks(SyntheticWorldOptions::INTERLEAVED);
  o.set_split(TEST);
  o.set_image_size(96);
  o.set_num_images(7);
  o.set_max_objects(9);
  o.set_world_seed(42);
  absl::StatusOr<SynthConfig> c = SynthConfigFromOptions(o);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->tasks, (std::vector<SynthTask>{SynthTask::kVqa, SynthTask::kInterleaved}));
  EXPECT_EQ(c->split, SynthSplit::kTest);
  EXPECT_EQ(c->image_size, 96);
  EXPECT_EQ(c->num_images, 7);
  EXPECT_EQ(c->max_objects, 9);
  EXPECT_EQ(c->world_seed, 42u);
  EXPECT_FALSE(c->scenes_only);
  // scenes_only: every image of a caption or VQA sample is a shape scene (no documents or
  // charts), where without it some are not.
  for (bool only : {false, true}) {
    SyntheticWorldOptions w;
    w.add_tasks(SyntheticWorldOptions::CAPTION);
    w.add_tasks(SyntheticWorldOptions::VQA);
    w.set_image_size(32);
    w.set_scenes_only(only);
    absl::StatusOr<SynthConfig> wc = SynthConfigFromOptions(w);
    ASSERT_TRUE(wc.ok()) << wc.status();
    EXPECT_EQ(wc->scenes_only, only);
    int scenes = 0;
    for (int64_t i = 0; i < 40; ++i) {
      absl::StatusOr<Sample> sample = GenerateSample(*wc, i);
      ASSERT_TRUE(sample.ok()) << sample.status();
      scenes += sample->meta.at("kind") == "scene";
    }
    if (only) {
      EXPECT_EQ(scenes, 40);
    } else {
      EXPECT_LT(scenes, 40);
    }
  }
  // Defaults from the proto; no tasks is an error.
  EXPECT_FALSE(SynthConfigFromOptions(SyntheticWorldOptions()).ok());
}

}  // namespace
}  // namespace vlmlab
