// The writers' output read back by the readers of platform/data (the contract of
// docs/data.md): WebDataset shards, COCO captions and VQAv2 files give back the samples.
#include <cstdlib>
#include <map>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "platform/data/coco_captions.h"
#include "platform/data/synth/generator.h"
#include "platform/data/synth/write_dataset.h"
#include "platform/data/vqav2.h"
#include "platform/data/webdataset.h"

namespace vlmlab {
namespace {

std::string TempDir(const std::string& name) {
  const char* base = std::getenv("TEST_TMPDIR");
  return absl::StrCat(base ? base : "/tmp", "/", name);
}

TEST(ReaderRoundTripTest, WebDatasetShardsReadBackAsTheSamples) {
  SynthConfig c;
  c.tasks =
      ParseSynthTasks("caption,alt_text,vqa,ocr,mcq,conversation,preference,interleaved").value();
  c.split = SynthSplit::kVal;
  c.image_size = 32;
  c.num_images = 40;
  SynthWriteOptions w;
  w.dir = TempDir("roundtrip_wds");
  w.shard_size = 16;
  SynthWriteReport report = WriteSynthDataset(c, w).value();
  ASSERT_EQ(report.shards.size(), 3u);

  data::WebDatasetOptions o;
  o.shards = {w.dir + "/val-{000000..000002}.tar"};
  o.shuffle_buffer = 0;
  o.strict = true;
  auto source = data::WebDatasetSource::Create(o);
  ASSERT_TRUE(source.ok()) << source.status();
  for (int i = 0; i < c.num_images; ++i) {
    absl::StatusOr<std::optional<Sample>> got = data::NextSample(**source, /*strict=*/true);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_TRUE(got->has_value()) << "ended at " << i;
    const Sample& r = **got;
    const Sample s = GenerateSample(c, i).value();
    EXPECT_EQ(r.key, s.key);
    EXPECT_EQ(r.image_id, s.image_id);
    EXPECT_EQ(r.task, s.task);
    ASSERT_EQ(r.images.size(), s.images.size());
    for (size_t k = 0; k < s.images.size(); ++k) EXPECT_EQ(r.images[k].pixels, s.images[k].pixels);
    ASSERT_EQ(r.turns.size(), s.turns.size());
    for (size_t t = 0; t < s.turns.size(); ++t) {
      EXPECT_EQ(r.turns[t].role, s.turns[t].role);
      EXPECT_EQ(r.turns[t].text, s.turns[t].text);
    }
    EXPECT_EQ(r.captions, s.captions);
    ASSERT_EQ(r.vqa.has_value(), s.vqa.has_value());
    if (s.vqa) {
      EXPECT_EQ(r.vqa->question_id, s.vqa->question_id);
      EXPECT_EQ(r.vqa->answers, s.vqa->answers);
      EXPECT_EQ(r.vqa->answer_type, s.vqa->answer_type);
      EXPECT_EQ(r.vqa->question_type, s.vqa->question_type);
    }
    ASSERT_EQ(r.choice.has_value(), s.choice.has_value());
    if (s.choice) {
      EXPECT_EQ(r.choice->options, s.choice->options);
      EXPECT_EQ(r.choice->correct, s.choice->correct);
    }
    ASSERT_EQ(r.preference.has_value(), s.preference.has_value());
    if (s.preference) EXPECT_EQ(r.preference->rejected, s.preference->rejected);
    EXPECT_EQ(r.meta, s.meta);
  }
  absl::StatusOr<std::optional<Sample>> end = data::NextSample(**source, true);
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
}

TEST(ReaderRoundTripTest, CocoAndVqav2FilesReadBack) {
  SynthConfig c;
  c.tasks = {SynthTask::kVqa, SynthTask::kCaption};
  c.split = SynthSplit::kTest;
  c.image_size = 32;
  c.num_images = 30;
  SynthWriteOptions w;
  w.dir = TempDir("roundtrip_eval");
  w.formats = {"coco", "vqav2"};
  SynthWriteReport report = WriteSynthDataset(c, w).value();

  std::map<int64_t, Sample> by_image;
  for (int i = 0; i < c.num_images; ++i) {
    Sample s = GenerateSample(c, i).value();
    by_image[s.image_id] = s;
  }
  int64_t skipped = 0;
  auto coco = data::LoadCocoCaptions(report.coco_captions, /*strict=*/true, &skipped);
  ASSERT_TRUE(coco.ok()) << coco.status();
  int captions = 0;
  for (const data::CocoImageEntry& e : *coco) {
    EXPECT_EQ(e.captions, by_image.at(e.id).captions);
    ++captions;
  }
  data::Vqav2Options v;
  v.questions = report.vqav2_questions;
  v.annotations = report.vqav2_annotations;
  v.image_dir = report.image_dir;
  v.strict = true;
  auto vqa = data::LoadVqav2(v);
  ASSERT_TRUE(vqa.ok()) << vqa.status();
  int questions = 0;
  for (const data::VqaEntry& e : vqa->entries) {
    const Sample& s = by_image.at(e.image_id);
    ASSERT_TRUE(s.vqa.has_value());
    EXPECT_EQ(e.vqa.question, s.vqa->question);
    EXPECT_EQ(e.vqa.answers, s.vqa->answers);
    EXPECT_EQ(e.answer, s.turns[1].text);
    ++questions;
  }
  EXPECT_GT(captions, 5);
  EXPECT_GT(questions, 5);
  EXPECT_EQ(captions + questions, c.num_images);
  // The VQAv2 reader finds every image and decodes it.
  auto source = data::CreateVqav2Source(v);
  ASSERT_TRUE(source.ok()) << source.status();
  for (int i = 0; i < questions; ++i) {
    absl::StatusOr<std::optional<Sample>> got = data::NextSample(**source, true);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ((**got).images.at(0).pixels, by_image.at((**got).image_id).images[0].pixels);
  }
}

}  // namespace
}  // namespace vlmlab
