#include "platform/data/sample_json.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "platform/base/json_file.h"

namespace vlmlab::data {
namespace {

using json = nlohmann::json;

absl::Status FieldError(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

absl::Status GetString(const json& obj, const char* key, absl::string_view path, bool required,
                       std::string* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return required ? FieldError(absl::StrCat(path, key), "required string is missing")
                    : absl::OkStatus();
  }
  if (!it->is_string()) return FieldError(absl::StrCat(path, key), "expected a string");
  *out = it->get_ref<const std::string&>();
  return absl::OkStatus();
}

absl::Status GetInt(const json& obj, const char* key, absl::string_view path, int64_t* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_number_integer()) return FieldError(absl::StrCat(path, key), "expected an integer");
  *out = it->get<int64_t>();
  return absl::OkStatus();
}

absl::Status GetStrings(const json& obj, const char* key, absl::string_view path,
                        std::vector<std::string>* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_array()) return FieldError(absl::StrCat(path, key), "expected an array of strings");
  out->clear();
  for (size_t i = 0; i < it->size(); ++i) {
    const json& v = (*it)[i];
    if (!v.is_string()) {
      return FieldError(absl::StrCat(path, key, "[", i, "]"), "expected a string");
    }
    out->push_back(v.get_ref<const std::string&>());
  }
  return absl::OkStatus();
}

absl::Status ParseTurns(const json& turns, std::vector<Turn>* out) {
  if (!turns.is_array()) return FieldError("turns", "expected an array of {role, text}");
  for (size_t i = 0; i < turns.size(); ++i) {
    const json& t = turns[i];
    const std::string path = absl::StrCat("turns[", i, "].");
    if (!t.is_object()) return FieldError(absl::StrCat("turns[", i, "]"), "expected an object");
    std::string role, text;
    if (absl::Status s = GetString(t, "role", path, true, &role); !s.ok()) return s;
    if (absl::Status s = GetString(t, "text", path, true, &text); !s.ok()) return s;
    Turn turn;
    if (role == "user") {
      turn.role = Turn::kUser;
    } else if (role == "assistant") {
      turn.role = Turn::kAssistant;
    } else {
      return FieldError(absl::StrCat(path, "role"),
                        absl::StrCat("\"", role, "\": expected \"user\" or \"assistant\""));
    }
    turn.text = std::move(text);
    out->push_back(std::move(turn));
  }
  return absl::OkStatus();
}

absl::Status ParseVqa(const json& v, VqaAnnotation* out) {
  if (!v.is_object()) return FieldError("vqa", "expected an object");
  if (absl::Status s = GetInt(v, "question_id", "vqa.", &out->question_id); !s.ok()) return s;
  if (absl::Status s = GetString(v, "question", "vqa.", false, &out->question); !s.ok()) return s;
  if (absl::Status s = GetStrings(v, "answers", "vqa.", &out->answers); !s.ok()) return s;
  if (absl::Status s = GetString(v, "answer_type", "vqa.", false, &out->answer_type); !s.ok()) {
    return s;
  }
  return GetString(v, "question_type", "vqa.", false, &out->question_type);
}

absl::Status ParseChoice(const json& v, ChoiceAnnotation* out) {
  if (!v.is_object()) return FieldError("choice", "expected an object");
  if (absl::Status s = GetString(v, "question", "choice.", false, &out->question); !s.ok()) {
    return s;
  }
  if (absl::Status s = GetStrings(v, "options", "choice.", &out->options); !s.ok()) return s;
  int64_t correct = -1;
  if (absl::Status s = GetInt(v, "correct", "choice.", &correct); !s.ok()) return s;
  if (correct < -1 || correct >= static_cast<int64_t>(out->options.size())) {
    return FieldError("choice.correct", absl::StrCat(correct, " is not an index into the ",
                                                     out->options.size(), " options"));
  }
  out->correct = static_cast<int>(correct);
  return absl::OkStatus();
}

absl::Status ParsePreference(const json& v, PreferenceAnnotation* out) {
  if (!v.is_object()) return FieldError("preference", "expected an object");
  if (absl::Status s = GetString(v, "prompt", "preference.", false, &out->prompt); !s.ok()) {
    return s;
  }
  if (absl::Status s = GetString(v, "chosen", "preference.", false, &out->chosen); !s.ok()) {
    return s;
  }
  return GetString(v, "rejected", "preference.", false, &out->rejected);
}

// The JSONL shorthands: turns from caption / question + answer(s).
absl::Status ShorthandTurns(const json& obj, Sample* sample,
                            const std::vector<std::string>& image_refs) {
  std::string prefix;
  for (size_t i = 0; i < image_refs.size(); ++i) prefix += kImagePlaceholder;
  std::string caption, question, answer;
  if (absl::Status s = GetString(obj, "caption", "", false, &caption); !s.ok()) return s;
  if (absl::Status s = GetString(obj, "question", "", false, &question); !s.ok()) return s;
  if (absl::Status s = GetString(obj, "answer", "", false, &answer); !s.ok()) return s;
  std::vector<std::string> answers;
  if (absl::Status s = GetStrings(obj, "answers", "", &answers); !s.ok()) return s;
  if (!caption.empty()) {
    sample->task = sample->task.empty() ? "caption" : sample->task;
    sample->captions.push_back(caption);
    sample->turns = {{Turn::kUser, prefix}, {Turn::kAssistant, caption}};
    return absl::OkStatus();
  }
  if (!question.empty()) {
    if (answer.empty()) answer = MostCommonAnswer(answers);
    sample->task = sample->task.empty() ? "vqa" : sample->task;
    if (!sample->vqa) {
      sample->vqa = VqaAnnotation{};
      sample->vqa->question = question;
      sample->vqa->answers =
          answers.empty() && !answer.empty() ? std::vector<std::string>{answer} : answers;
    }
    sample->turns = {{Turn::kUser, prefix + question}};
    if (!answer.empty()) sample->turns.push_back({Turn::kAssistant, answer});
    return absl::OkStatus();
  }
  return FieldError("turns",
                    "required: give \"turns\" (or a \"caption\", or a \"question\" with "
                    "\"answer\"/\"answers\")");
}

}  // namespace

int64_t CountImagePlaceholders(const std::vector<Turn>& turns) {
  const absl::string_view placeholder = kImagePlaceholder;
  int64_t n = 0;
  for (const Turn& t : turns) {
    for (size_t at = t.text.find(placeholder.data(), 0, placeholder.size());
         at != std::string::npos;
         at = t.text.find(placeholder.data(), at + placeholder.size(), placeholder.size())) {
      ++n;
    }
  }
  return n;
}

std::string MostCommonAnswer(const std::vector<std::string>& answers) {
  std::map<std::string, int> counts;
  for (const std::string& a : answers) ++counts[a];
  std::string best;
  int best_count = 0;
  for (const std::string& a : answers) {  // first occurrence wins ties
    if (counts[a] > best_count) {
      best = a;
      best_count = counts[a];
    }
  }
  return best;
}

absl::Status ParseSampleJson(absl::string_view text, const SampleJsonOptions& options,
                             Sample* sample, std::vector<std::string>* image_refs) {
  if (!JsonNestingOk(text)) {
    return absl::InvalidArgumentError("invalid JSON: nested deeper than 64 levels");
  }
  json obj = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (obj.is_discarded()) {
    return absl::InvalidArgumentError("invalid JSON (not parseable; check quoting and commas)");
  }
  if (!obj.is_object()) return absl::InvalidArgumentError("expected a JSON object");

  image_refs->clear();
  if (absl::Status s = GetString(obj, "key", "", !options.shorthands, &sample->key); !s.ok()) {
    return s;
  }
  if (absl::Status s = GetInt(obj, "image_id", "", &sample->image_id); !s.ok()) return s;
  if (absl::Status s = GetString(obj, "task", "", false, &sample->task); !s.ok()) return s;
  if (absl::Status s = GetStrings(obj, "images", "", image_refs); !s.ok()) return s;
  if (options.shorthands && image_refs->empty()) {
    std::string image;
    if (absl::Status s = GetString(obj, "image", "", false, &image); !s.ok()) return s;
    if (!image.empty()) image_refs->push_back(image);
  }
  if (absl::Status s = GetStrings(obj, "captions", "", &sample->captions); !s.ok()) return s;
  if (auto it = obj.find("vqa"); it != obj.end() && !it->is_null()) {
    sample->vqa = VqaAnnotation{};
    if (absl::Status s = ParseVqa(*it, &*sample->vqa); !s.ok()) return s;
  }
  if (auto it = obj.find("choice"); it != obj.end() && !it->is_null()) {
    sample->choice = ChoiceAnnotation{};
    if (absl::Status s = ParseChoice(*it, &*sample->choice); !s.ok()) return s;
  }
  if (auto it = obj.find("preference"); it != obj.end() && !it->is_null()) {
    sample->preference = PreferenceAnnotation{};
    if (absl::Status s = ParsePreference(*it, &*sample->preference); !s.ok()) return s;
  }
  if (auto it = obj.find("meta"); it != obj.end() && !it->is_null()) {
    if (!it->is_object()) return FieldError("meta", "expected an object of strings");
    for (auto m = it->begin(); m != it->end(); ++m) {
      if (!m.value().is_string()) {
        return FieldError(absl::StrCat("meta.", m.key()), "expected a string");
      }
      sample->meta[m.key()] = m.value().get_ref<const std::string&>();
    }
  }
  if (auto it = obj.find("turns"); it != obj.end() && !it->is_null()) {
    if (absl::Status s = ParseTurns(*it, &sample->turns); !s.ok()) return s;
  } else if (options.shorthands) {
    if (absl::Status s = ShorthandTurns(obj, sample, *image_refs); !s.ok()) return s;
  } else {
    return FieldError("turns", "required array of {role, text} is missing");
  }
  const int64_t placeholders = CountImagePlaceholders(sample->turns);
  if (placeholders != static_cast<int64_t>(image_refs->size())) {
    return FieldError("turns", absl::StrCat("the turns hold ", placeholders, " ", kImagePlaceholder,
                                            " placeholders but \"images\" lists ",
                                            image_refs->size(), " images; they must match"));
  }
  return absl::OkStatus();
}

}  // namespace vlmlab::data
