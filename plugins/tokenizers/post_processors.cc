#include "plugins/tokenizers/post_processors.h"

#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace vlmlab::hf {
namespace {

constexpr char kSupported[] =
    "TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence";

// Ids before and after the text.
class Wrap : public PostProcessor {
 public:
  Wrap(std::vector<int32_t> before, std::vector<int32_t> after)
      : before_(std::move(before)), after_(std::move(after)) {}
  std::vector<int32_t> Process(std::vector<int32_t> ids) const override {
    std::vector<int32_t> out = before_;
    out.insert(out.end(), ids.begin(), ids.end());
    out.insert(out.end(), after_.begin(), after_.end());
    return out;
  }
  bool AddsTokens() const override { return !before_.empty() || !after_.empty(); }

 private:
  std::vector<int32_t> before_, after_;
};

class Sequence : public PostProcessor {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PostProcessor>> steps) : steps_(std::move(steps)) {}
  std::vector<int32_t> Process(std::vector<int32_t> ids) const override {
    for (const auto& step : steps_) ids = step->Process(std::move(ids));
    return ids;
  }
  bool AddsTokens() const override {
    for (const auto& step : steps_) {
      if (step->AddsTokens()) return true;
    }
    return false;
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> steps_;
};

// ["[SEP]", 102]
absl::StatusOr<int32_t> ReadTokenPair(const JsonAt& at) {
  int32_t id;
  if (!at.value.is_array() || at.value.size() != 2 || !at.value[0].is_string() ||
      !ReadTokenId(at.value[1], id)) {
    return at.Bad(absl::StrCat("is ", ShowJson(at.value), ", not [\"token\", id]"));
  }
  return id;
}

// Checks a template and returns the ids it puts before and after sequence A.
absl::Status ReadTemplate(const JsonAt& at, bool single,
                          const absl::flat_hash_map<std::string, std::vector<int32_t>>& specials,
                          std::vector<int32_t>& before, std::vector<int32_t>& after) {
  if (!at.value.is_array()) return at.Bad("is not an array");
  int sequences = 0;
  for (size_t i = 0; i < at.value.size(); ++i) {
    const JsonAt piece = at.Index(i);
    const json& special = JsonMember(piece.value, "SpecialToken");
    const json& sequence = JsonMember(piece.value, "Sequence");
    if (special.is_object()) {
      const json& id = JsonMember(special, "id");
      auto it = id.is_string() ? specials.find(id.get<std::string>()) : specials.end();
      if (it == specials.end()) {
        return piece.Bad(absl::StrCat("names the special token ", ShowJson(id),
                                      ", which special_tokens does not define"));
      }
      (sequences == 0 ? before : after).insert((sequences == 0 ? before : after).end(),
                                               it->second.begin(), it->second.end());
    } else if (sequence.is_object()) {
      const json& id = JsonMember(sequence, "id");
      if (id != "A" && id != "B") return piece.Bad(absl::StrCat("names sequence ", ShowJson(id), ", not A or B"));
      if (single && id == "B") return piece.Bad("uses sequence B in the single template");
      ++sequences;
    } else {
      return piece.Bad(absl::StrCat("is ", ShowJson(piece.value),
                                    ", not {\"SpecialToken\": ...} or {\"Sequence\": ...}"));
    }
  }
  if (single && sequences != 1) return at.Bad("must hold sequence A exactly once");
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<PostProcessor>> ReadTemplateProcessing(const JsonAt& at) {
  absl::flat_hash_map<std::string, std::vector<int32_t>> specials;
  const JsonAt map = at.Child("special_tokens");
  if (!map.value.is_object()) return map.Bad("is not an object");
  for (auto it = map.value.begin(); it != map.value.end(); ++it) {
    const JsonAt entry = map.Child(it.key());
    const json& ids = JsonMember(entry.value, "ids");
    std::vector<int32_t> list;
    bool ok = ids.is_array();
    for (size_t i = 0; ok && i < ids.size(); ++i) {
      int32_t id;
      ok = ReadTokenId(ids[i], id);
      list.push_back(id);
    }
    if (!ok) return entry.Child("ids").Bad(absl::StrCat("is ", ShowJson(ids), ", not a list of ids"));
    specials[it.key()] = std::move(list);
  }
  std::vector<int32_t> before, after, unused_before, unused_after;
  if (absl::Status s = ReadTemplate(at.Child("single"), true, specials, before, after); !s.ok()) {
    return s;
  }
  if (!JsonMember(at.value, "pair").is_null()) {
    if (absl::Status s =
            ReadTemplate(at.Child("pair"), false, specials, unused_before, unused_after);
        !s.ok()) {
      return s;
    }
  }
  return std::unique_ptr<PostProcessor>(new Wrap(std::move(before), std::move(after)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostProcessor>> ReadPostProcessor(const JsonAt& at) {
  if (at.value.is_null()) return std::unique_ptr<PostProcessor>();
  absl::StatusOr<std::string> type = at.String("type");
  if (!type.ok()) return type.status();
  if (*type == "TemplateProcessing") return ReadTemplateProcessing(at);
  if (*type == "BertProcessing" || *type == "RobertaProcessing") {
    absl::StatusOr<int32_t> cls = ReadTokenPair(at.Child("cls"));
    absl::StatusOr<int32_t> sep = ReadTokenPair(at.Child("sep"));
    if (!cls.ok()) return cls.status();
    if (!sep.ok()) return sep.status();
    return std::unique_ptr<PostProcessor>(new Wrap({*cls}, {*sep}));
  }
  if (*type == "ByteLevel") return std::unique_ptr<PostProcessor>(new Wrap({}, {}));
  if (*type == "Sequence") {
    const JsonAt steps = at.Child("processors");
    if (!steps.value.is_array()) return steps.Bad("is not an array");
    std::vector<std::unique_ptr<PostProcessor>> parts;
    for (size_t i = 0; i < steps.value.size(); ++i) {
      absl::StatusOr<std::unique_ptr<PostProcessor>> p = ReadPostProcessor(steps.Index(i));
      if (!p.ok()) return p.status();
      if (*p) parts.push_back(std::move(*p));
    }
    return std::unique_ptr<PostProcessor>(new Sequence(std::move(parts)));
  }
  return at.Unsupported("post-processor", *type, kSupported);
}

}  // namespace vlmlab::hf
