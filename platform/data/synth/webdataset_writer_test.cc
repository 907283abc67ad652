#include "platform/data/synth/webdataset_writer.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/data/synth/generator.h"
#include "platform/data/synth/write_dataset.h"
#include "platform/image/codec.h"

namespace vlmlab {
namespace {

std::string TempDir(const std::string& name) {
  const char* base = std::getenv("TEST_TMPDIR");
  return absl::StrCat(base ? base : "/tmp", "/", name);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Member {
  std::string name;
  std::string data;
};

// An independent ustar parser: checks magic, checksum and octal fields of every header.
std::vector<Member> ParseTar(const std::string& tar) {
  std::vector<Member> members;
  EXPECT_EQ(tar.size() % 512, 0u);
  size_t pos = 0;
  while (pos + 512 <= tar.size()) {
    const std::string h = tar.substr(pos, 512);
    if (h == std::string(512, '\0')) break;
    EXPECT_EQ(h.substr(257, 6), std::string("ustar\0", 6));
    EXPECT_EQ(h[156], '0');
    unsigned sum = 0;
    for (int i = 0; i < 512; ++i)
      sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
    EXPECT_EQ(std::strtoul(h.substr(148, 8).c_str(), nullptr, 8), sum);
    const size_t size = std::strtoull(h.substr(124, 12).c_str(), nullptr, 8);
    std::string name = h.substr(0, 100).c_str();
    std::string prefix = h.substr(345, 155).c_str();
    if (!prefix.empty()) name = prefix + "/" + name;
    members.push_back({name, tar.substr(pos + 512, size)});
    pos += 512 + (size + 511) / 512 * 512;
  }
  // Two zero blocks end the archive.
  EXPECT_EQ(tar.substr(pos), std::string(1024, '\0'));
  return members;
}

TEST(TarWriterTest, HeadersFollowUstar) {
  absl::StatusOr<std::string> h = UstarHeader("000000001.png", 1234);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 512u);
  EXPECT_EQ(h->substr(124, 12), std::string("00000002322\0", 12));  // 1234 in octal
  std::string long_name = std::string(120, 'd') + "/file.json";
  h = UstarHeader(long_name, 1);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(std::string(h->substr(0, 100).c_str()), "file.json");
  EXPECT_EQ(std::string(h->substr(345, 155).c_str()), std::string(120, 'd'));
  EXPECT_FALSE(UstarHeader(std::string(200, 'x'), 1).ok());
  EXPECT_FALSE(UstarHeader("", 1).ok());
  EXPECT_FALSE(UstarHeader("big", uint64_t{1} << 34).ok());
}

TEST(TarWriterTest, UnclosedWriterLeavesNoFile) {
  const std::string path = TempDir("unclosed.tar");
  {
    auto tar = TarWriter::Create(path).value();
    ASSERT_TRUE(tar->AddFile("a.txt", "hello").ok());
  }
  EXPECT_FALSE(std::ifstream(path).good());
  EXPECT_FALSE(std::ifstream(path + ".tmp").good());
  EXPECT_FALSE(TarWriter::Create("/nonexistent-dir/x.tar").ok());
}

TEST(WebDatasetWriterTest, ShardsHoldEverySampleAsDocumented) {
  SynthConfig c;
  c.tasks = ParseSynthTasks("vqa,caption,interleaved,mcq").value();
  c.split = SynthSplit::kVal;
  c.image_size = 32;
  c.num_images = 7;
  const std::string dir = TempDir("wds");
  WebDatasetWriter writer({dir, "val", 3, "png", 90});
  std::vector<Sample> samples;
  for (int i = 0; i < 7; ++i) {
    samples.push_back(GenerateSample(c, i).value());
    ASSERT_TRUE(writer.Write(samples.back()).ok());
  }
  ASSERT_TRUE(writer.Close().ok());
  ASSERT_EQ(writer.shard_paths().size(), 3u);  // 3 + 3 + 1
  EXPECT_EQ(writer.shard_paths()[0], dir + "/val-000000.tar");
  std::vector<Member> members;
  for (const std::string& shard : writer.shard_paths()) {
    std::string bytes = ReadFile(shard);
    std::vector<Member> m = ParseTar(bytes);
    members.insert(members.end(), m.begin(), m.end());
    if (std::system("tar --version >/dev/null 2>&1") == 0) {
      EXPECT_EQ(std::system(absl::StrCat("tar -tf ", shard, " >/dev/null").c_str()), 0);
    }
  }
  size_t next = 0;
  for (const Sample& s : samples) {
    const std::string key = TarKey(s);
    EXPECT_EQ(key.size(), 9u);
    std::vector<std::string> exts;
    for (size_t i = 0; i < s.images.size(); ++i) {
      ASSERT_LT(next, members.size());
      const Member& m = members[next++];
      const std::string ext = s.images.size() == 1 ? "png" : absl::StrCat(i, ".png");
      exts.push_back(ext);
      EXPECT_EQ(m.name, absl::StrCat(key, ".", ext));
      absl::StatusOr<Image> img = DecodeImage(m.data);
      ASSERT_TRUE(img.ok()) << img.status();
      EXPECT_EQ(img->pixels, s.images[i].pixels);
    }
    const Member& json = members[next++];
    EXPECT_EQ(json.name, key + ".json");
    nlohmann::json j = nlohmann::json::parse(json.data);
    EXPECT_EQ(j["key"], s.key);
    EXPECT_EQ(j["image_id"], s.image_id);
    EXPECT_EQ(j["task"], s.task);
    EXPECT_EQ(j["images"], exts);
    ASSERT_EQ(j["turns"].size(), s.turns.size());
    for (size_t t = 0; t < s.turns.size(); ++t) {
      EXPECT_EQ(j["turns"][t]["role"], s.turns[t].role == Turn::kUser ? "user" : "assistant");
      EXPECT_EQ(j["turns"][t]["text"], s.turns[t].text);
    }
    EXPECT_EQ(j.contains("vqa"), s.vqa.has_value());
    if (s.vqa) {
      EXPECT_EQ(j["vqa"]["answers"], s.vqa->answers);
      EXPECT_EQ(j["vqa"]["question_id"], s.vqa->question_id);
    }
    EXPECT_EQ(j.contains("choice"), s.choice.has_value());
    if (s.choice) EXPECT_EQ(j["choice"]["correct"], s.choice->correct);
    EXPECT_EQ(j["meta"]["world"], s.meta.at("world"));
  }
  EXPECT_EQ(next, members.size());
}

TEST(EvalJsonWriterTest, WritesCocoAndVqav2Layouts) {
  SynthConfig c;
  c.tasks = ParseSynthTasks("vqa,caption,interleaved").value();
  c.split = SynthSplit::kTest;
  c.image_size = 32;
  c.num_images = 30;
  SynthWriteOptions w;
  w.dir = TempDir("eval");
  w.formats = {"coco", "vqav2"};
  w.threads = 3;
  absl::StatusOr<SynthWriteReport> report = WriteSynthDataset(c, w);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->samples, 30);
  nlohmann::json coco = nlohmann::json::parse(ReadFile(report->coco_captions));
  nlohmann::json questions = nlohmann::json::parse(ReadFile(report->vqav2_questions));
  nlohmann::json annotations = nlohmann::json::parse(ReadFile(report->vqav2_annotations));
  int captions = 0, vqa = 0;
  for (int i = 0; i < 30; ++i) {
    Sample s = GenerateSample(c, i).value();
    captions += !s.captions.empty();
    vqa += s.vqa.has_value();
  }
  ASSERT_GT(captions, 0);
  ASSERT_GT(vqa, 0);
  EXPECT_EQ(coco["annotations"].size(), static_cast<size_t>(captions));
  EXPECT_EQ(questions["questions"].size(), static_cast<size_t>(vqa));
  EXPECT_EQ(annotations["annotations"].size(), static_cast<size_t>(vqa));
  EXPECT_EQ(questions["data_subtype"], "test");
  EXPECT_EQ(questions["task_type"], "Open-Ended");
  for (const auto& im : coco["images"]) {
    ASSERT_TRUE(im.contains("id") && im.contains("width") && im.contains("height"));
    EXPECT_TRUE(
        DecodeImage(ReadFile(report->image_dir + "/" + im["file_name"].get<std::string>())).ok());
  }
  for (const auto& a : coco["annotations"]) {
    EXPECT_TRUE(a.contains("id") && a.contains("image_id") && a["caption"].is_string());
  }
  for (size_t i = 0; i < annotations["annotations"].size(); ++i) {
    const auto& a = annotations["annotations"][i];
    const auto& q = questions["questions"][i];
    EXPECT_EQ(a["question_id"], q["question_id"]);
    EXPECT_EQ(a["image_id"], q["image_id"]);
    ASSERT_EQ(a["answers"].size(), 10u);
    EXPECT_EQ(a["answers"][0]["answer_id"], 1);
    EXPECT_EQ(a["answers"][0]["answer_confidence"], "yes");
    EXPECT_TRUE(a["multiple_choice_answer"].is_string());
    EXPECT_TRUE(a["answer_type"].is_string());
    // The image of every question is in the directory under the id the reader looks for.
    EXPECT_TRUE(DecodeImage(ReadFile(absl::StrCat(report->image_dir, "/",
                                                  q["image_id"].get<int64_t>(), ".png")))
                    .ok());
  }
}

TEST(WriteSynthDatasetTest, OutputIsIdenticalWhateverTheThreadCount) {
  SynthConfig c;
  c.tasks = ParseSynthTasks("vqa,ocr,interleaved").value();
  c.num_images = 50;
  SynthWriteOptions one, four;
  one.dir = TempDir("t1");
  one.threads = 1;
  one.shard_size = 20;
  four = one;
  four.dir = TempDir("t4");
  four.threads = 4;
  SynthWriteReport a = WriteSynthDataset(c, one).value();
  SynthWriteReport b = WriteSynthDataset(c, four).value();
  ASSERT_EQ(a.shards.size(), 3u);
  ASSERT_EQ(b.shards.size(), 3u);
  for (size_t i = 0; i < a.shards.size(); ++i)
    EXPECT_EQ(ReadFile(a.shards[i]), ReadFile(b.shards[i]));
  one.formats = {"parquet"};
  EXPECT_THAT(WriteSynthDataset(c, one).status().message(), ::testing::HasSubstr("parquet"));
}

}  // namespace
}  // namespace vlmlab
