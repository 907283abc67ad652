#include "platform/data/synth/webdataset_writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "platform/base/atomic_file.h"
#include "platform/base/status_macros.h"
#include "platform/image/codec.h"

namespace vlmlab {
namespace {

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : absl::StrCat(dir, "/", name);
}

std::string MostCommon(const std::vector<std::string>& answers) {
  std::map<std::string, int> counts;
  std::string best;
  int best_count = 0;
  for (const std::string& a : answers) {
    if (++counts[a] > best_count) {
      best_count = counts[a];
      best = a;
    }
  }
  return best;
}

absl::StatusOr<std::string> EncodeAs(const Image& image, const std::string& format, int quality) {
  if (format == "png") return EncodePng(image);
  if (format == "jpg" || format == "jpeg") return EncodeJpeg(image, quality);
  return absl::InvalidArgumentError(
      absl::StrCat("image format '", format, "' is not supported; use png or jpg"));
}

nlohmann::json Info() { return {{"description", "vlmlab synthetic world"}, {"version", "1.0"}}; }

}  // namespace

absl::Status MakeDirs(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create directory ", dir, ": ", error.message()));
  }
  return absl::OkStatus();
}

nlohmann::json SampleToJson(const Sample& s, const std::vector<std::string>& image_exts) {
  nlohmann::json j;
  j["key"] = s.key;
  j["image_id"] = s.image_id;
  j["task"] = s.task;
  j["images"] = image_exts;
  nlohmann::json turns = nlohmann::json::array();
  for (const Turn& t : s.turns) {
    turns.push_back({{"role", t.role == Turn::kUser ? "user" : "assistant"}, {"text", t.text}});
  }
  j["turns"] = turns;
  if (!s.captions.empty()) j["captions"] = s.captions;
  if (s.vqa) {
    j["vqa"] = {{"question_id", s.vqa->question_id},
                {"question", s.vqa->question},
                {"answers", s.vqa->answers},
                {"answer_type", s.vqa->answer_type},
                {"question_type", s.vqa->question_type}};
  }
  if (s.choice) {
    j["choice"] = {{"question", s.choice->question},
                   {"options", s.choice->options},
                   {"correct", s.choice->correct}};
  }
  if (s.preference) {
    j["preference"] = {{"prompt", s.preference->prompt},
                       {"chosen", s.preference->chosen},
                       {"rejected", s.preference->rejected}};
  }
  if (!s.meta.empty()) j["meta"] = s.meta;
  return j;
}

std::string TarKey(const Sample& sample) {
  const size_t slash = sample.key.rfind('/');
  std::string key = slash == std::string::npos ? sample.key : sample.key.substr(slash + 1);
  return absl::StrReplaceAll(key, {{".", "_"}});
}

WebDatasetWriter::WebDatasetWriter(WebDatasetWriterOptions options)
    : options_(std::move(options)) {}

absl::Status WebDatasetWriter::Write(const Sample& sample) {
  if (options_.shard_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("shard_size must be at least 1, got ", options_.shard_size));
  }
  const std::string key = TarKey(sample);
  if (key.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("sample key '", sample.key, "' gives an empty tar key"));
  }
  if (tar_ == nullptr) {
    if (shards_.empty()) VLMLAB_RETURN_IF_ERROR(MakeDirs(options_.dir));
    char name[64];
    std::snprintf(name, sizeof(name), "-%06zu.tar", shards_.size());
    const std::string path = JoinPath(options_.dir, options_.prefix + name);
    VLMLAB_ASSIGN_OR_RETURN(tar_, TarWriter::Create(path));
    shards_.push_back(path);
  }
  const std::string ext = options_.image_format == "jpeg" ? "jpg" : options_.image_format;
  std::vector<std::string> exts;
  for (size_t i = 0; i < sample.images.size(); ++i) {
    exts.push_back(sample.images.size() == 1 ? ext : absl::StrCat(i, ".", ext));
    VLMLAB_ASSIGN_OR_RETURN(std::string bytes,
                            EncodeAs(sample.images[i], ext, options_.jpeg_quality));
    VLMLAB_RETURN_IF_ERROR(tar_->AddFile(absl::StrCat(key, ".", exts.back()), bytes));
  }
  VLMLAB_RETURN_IF_ERROR(
      tar_->AddFile(absl::StrCat(key, ".json"), SampleToJson(sample, exts).dump()));
  ++written_;
  if (written_ % options_.shard_size == 0) {
    absl::Status closed = tar_->Close();
    tar_.reset();
    return closed;
  }
  return absl::OkStatus();
}

absl::Status WebDatasetWriter::Close() {
  if (tar_ == nullptr) return absl::OkStatus();
  absl::Status closed = tar_->Close();
  tar_.reset();
  return closed;
}

EvalJsonWriter::EvalJsonWriter(EvalJsonWriterOptions options) : options_(std::move(options)) {}

std::string EvalJsonWriter::CaptionsPath() const {
  return JoinPath(options_.dir, absl::StrCat("captions_", options_.split, ".json"));
}
std::string EvalJsonWriter::QuestionsPath() const {
  return JoinPath(options_.dir,
                  absl::StrCat("v2_OpenEnded_synth_", options_.split, "_questions.json"));
}
std::string EvalJsonWriter::AnnotationsPath() const {
  return JoinPath(options_.dir, absl::StrCat("v2_synth_", options_.split, "_annotations.json"));
}
std::string EvalJsonWriter::ImageDir() const { return JoinPath(options_.dir, "images"); }

absl::Status EvalJsonWriter::Add(const Sample& s) {
  if (s.images.size() != 1) return absl::OkStatus();
  const bool captions = options_.coco_captions && !s.captions.empty();
  const bool vqa = options_.vqav2 && s.vqa.has_value();
  if (!captions && !vqa) return absl::OkStatus();
  if (!dir_ready_) {
    VLMLAB_RETURN_IF_ERROR(MakeDirs(ImageDir()));
    dir_ready_ = true;
  }
  const std::string file_name = absl::StrCat(s.image_id, ".png");
  if (images_written_.insert(s.image_id).second) {
    VLMLAB_ASSIGN_OR_RETURN(std::string png, EncodePng(s.images[0]));
    VLMLAB_RETURN_IF_ERROR(WriteFileAtomically(JoinPath(ImageDir(), file_name), png));
    if (options_.coco_captions) {
      coco_images_.push_back({{"id", s.image_id},
                              {"file_name", file_name},
                              {"width", s.images[0].width},
                              {"height", s.images[0].height}});
    }
  }
  if (captions) {
    for (const std::string& caption : s.captions) {
      coco_annotations_.push_back({{"id", static_cast<int64_t>(coco_annotations_.size()) + 1},
                                   {"image_id", s.image_id},
                                   {"caption", caption}});
    }
  }
  if (vqa) {
    questions_.push_back({{"image_id", s.image_id},
                          {"question", s.vqa->question},
                          {"question_id", s.vqa->question_id}});
    nlohmann::json answers = nlohmann::json::array();
    for (size_t i = 0; i < s.vqa->answers.size(); ++i) {
      answers.push_back({{"answer", s.vqa->answers[i]},
                         {"answer_confidence", "yes"},
                         {"answer_id", static_cast<int>(i) + 1}});
    }
    annotations_.push_back({{"question_id", s.vqa->question_id},
                            {"image_id", s.image_id},
                            {"question_type", s.vqa->question_type},
                            {"answer_type", s.vqa->answer_type},
                            {"multiple_choice_answer", MostCommon(s.vqa->answers)},
                            {"answers", answers}});
  }
  return absl::OkStatus();
}

absl::Status EvalJsonWriter::Close() {
  if (!dir_ready_) {
    VLMLAB_RETURN_IF_ERROR(MakeDirs(ImageDir()));
    dir_ready_ = true;
  }
  if (options_.coco_captions) {
    nlohmann::json coco = {{"info", Info()},
                           {"licenses", nlohmann::json::array()},
                           {"images", coco_images_},
                           {"annotations", coco_annotations_}};
    VLMLAB_RETURN_IF_ERROR(WriteFileAtomically(CaptionsPath(), coco.dump()));
  }
  if (options_.vqav2) {
    const nlohmann::json license = {{"name", "generated by vlmlab"}, {"url", ""}};
    nlohmann::json questions = {{"info", Info()},       {"task_type", "Open-Ended"},
                                {"data_type", "synth"}, {"data_subtype", options_.split},
                                {"license", license},   {"questions", questions_}};
    nlohmann::json annotations = {{"info", Info()},
                                  {"license", license},
                                  {"data_type", "synth"},
                                  {"data_subtype", options_.split},
                                  {"annotations", annotations_}};
    VLMLAB_RETURN_IF_ERROR(WriteFileAtomically(QuestionsPath(), questions.dump()));
    VLMLAB_RETURN_IF_ERROR(WriteFileAtomically(AnnotationsPath(), annotations.dump()));
  }
  return absl::OkStatus();
}

}  // namespace vlmlab
