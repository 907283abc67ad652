#include "plugins/tokenizers/hf_tokenizer_json.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "plugins/tokenizers/byte_level.h"

namespace vlmlab::bpe {
namespace {

using json = nlohmann::json;

// A short rendering of a JSON value for messages.
std::string Show(const json& j) {
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return s.size() <= 60 ? s : s.substr(0, 57) + "...";
}

// `obj[key]` when obj is an object holding key, else null.
const json& Member(const json& obj, const char* key) {
  static const json* null = new json();
  if (!obj.is_object()) return *null;
  auto it = obj.find(key);
  return it == obj.end() ? *null : *it;
}

bool ReadId(const json& v, int32_t& id) {
  if (!v.is_number_integer()) return false;
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u >= static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) return false;
    id = static_cast<int32_t>(u);
    return true;
  }
  int64_t i = v.get<int64_t>();
  if (i < 0 || i >= std::numeric_limits<int32_t>::max()) return false;
  id = static_cast<int32_t>(i);
  return true;
}

// The ByteLevel pre-tokenizer in `pt`, itself or a member of a Sequence; null when none.
const json* FindByteLevel(const json& pt) {
  if (Member(pt, "type") == "ByteLevel") return &pt;
  const json& members = Member(pt, "pretokenizers");
  if (members.is_array()) {
    for (const json& p : members) {
      if (const json* found = FindByteLevel(p)) return found;
    }
  }
  return nullptr;
}

class Reader {
 public:
  explicit Reader(const std::string& path) : path_(path) {}

  absl::Status Bad(absl::string_view problem) const {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": ", problem));
  }

  absl::Status Read(const json& root, TokenizerJson& out) {
    if (!root.is_object()) return Bad("the top level is not a JSON object");
    const json& model = Member(root, "model");
    if (!model.is_object()) return Bad("no \"model\" object");
    const json& type = Member(model, "type");
    if (type != "BPE") {
      return Bad(absl::StrCat("model.type is ", Show(type), "; only \"BPE\" is supported"));
    }
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
      const json& v = Member(model, key);
      if (!v.is_null() && v != "") {
        return Bad(absl::StrCat("model.", key, " is ", Show(v),
                                "; byte-level BPE without one is all that is supported"));
      }
    }
    const json& ignore_merges = Member(model, "ignore_merges");
    out.ignore_merges = ignore_merges.is_boolean() && ignore_merges.get<bool>();
    if (absl::Status s = ReadVocab(model, out); !s.ok()) return s;
    if (absl::Status s = ReadMerges(Member(model, "merges"), out); !s.ok()) return s;
    if (absl::Status s = ReadAdded(Member(root, "added_tokens"), out); !s.ok()) return s;
    const json& pre = Member(root, "pre_tokenizer");
    const json* byte_level = FindByteLevel(pre);
    if (byte_level == nullptr) {
      return Bad(absl::StrCat("pre_tokenizer ", Show(pre),
                              " has no ByteLevel step; only byte-level BPE is supported"));
    }
    const json& prefix = Member(*byte_level, "add_prefix_space");
    out.add_prefix_space = prefix.is_boolean() ? prefix.get<bool>() : true;  // HF's default
    return absl::OkStatus();
  }

 private:
  absl::Status ReadVocab(const json& model, TokenizerJson& out) {
    const json& vocab = Member(model, "vocab");
    if (!vocab.is_object() || vocab.empty()) return Bad("model.vocab is not a non-empty object");
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
      int32_t id;
      if (!ReadId(it.value(), id)) {
        return Bad(absl::StrCat("model.vocab[", Show(it.key()), "] is ", Show(it.value()),
                                ", not an id in [0, 2^31 - 1)"));
      }
      out.vocab[it.key()] = id;
    }
    const json& unk = Member(model, "unk_token");
    if (unk.is_string()) {
      auto found = out.vocab.find(unk.get<std::string>());
      if (found == out.vocab.end()) {
        return Bad(absl::StrCat("model.unk_token ", Show(unk), " is not in model.vocab"));
      }
      out.unk_id = found->second;
    } else if (!unk.is_null()) {
      return Bad(absl::StrCat("model.unk_token is ", Show(unk), ", not a string"));
    }
    std::vector<std::string> missing;
    for (int b = 0; b < 256; ++b) {
      auto found = out.vocab.find(ByteToUnicode(static_cast<uint8_t>(b)));
      out.byte_ids[b] = found == out.vocab.end() ? out.unk_id : found->second;
      if (found == out.vocab.end()) missing.push_back(absl::StrFormat("0x%02X", b));
    }
    if (!missing.empty() && out.unk_id < 0) {
      if (missing.size() > 8) {
        missing.resize(8);
        missing.push_back("...");
      }
      return Bad(absl::StrCat("model.vocab lacks the byte-level characters of bytes ",
                              absl::StrJoin(missing, ", "), " and model.unk_token is unset"));
    }
    return absl::OkStatus();
  }

  absl::Status ReadMerges(const json& merges, TokenizerJson& out) {
    if (merges.is_null()) return absl::OkStatus();
    if (!merges.is_array()) return Bad("model.merges is not an array");
    out.merges.reserve(merges.size());
    out.merged.reserve(merges.size());
    for (size_t i = 0; i < merges.size(); ++i) {
      const json& m = merges[i];
      std::string a, b;
      if (m.is_string()) {
        const std::string& s = m.get_ref<const std::string&>();
        size_t space = s.find(' ');
        if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos) {
          return Bad(absl::StrCat("model.merges[", i, "] is ", Show(m), ", not \"a b\""));
        }
        a = s.substr(0, space), b = s.substr(space + 1);
      } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
        a = m[0].get<std::string>(), b = m[1].get<std::string>();
      } else {
        return Bad(
            absl::StrCat("model.merges[", i, "] is ", Show(m), ", not \"a b\" or [\"a\", \"b\"]"));
      }
      int32_t ids[3];
      const std::string parts[3] = {a, b, a + b};
      for (int k = 0; k < 3; ++k) {
        auto found = out.vocab.find(parts[k]);
        if (found == out.vocab.end()) {
          return Bad(absl::StrCat("model.merges[", i, "] (", Show(m), ") ",
                                  k == 2 ? "makes " : "references ", Show(json(parts[k])),
                                  ", which is not in model.vocab"));
        }
        ids[k] = found->second;
      }
      out.merges.emplace_back(ids[0], ids[1]);
      out.merged.push_back(ids[2]);
    }
    return absl::OkStatus();
  }

  absl::Status ReadAdded(const json& added, TokenizerJson& out) {
    if (added.is_null()) return absl::OkStatus();
    if (!added.is_array()) return Bad("added_tokens is not an array");
    for (size_t i = 0; i < added.size(); ++i) {
      const json& content = Member(added[i], "content");
      int32_t id;
      if (!content.is_string() || content == "" || !ReadId(Member(added[i], "id"), id)) {
        return Bad(absl::StrCat("added_tokens[", i, "] is ", Show(added[i]),
                                ", not {\"id\": id, \"content\": \"non-empty text\", ...}"));
      }
      out.added_tokens.emplace_back(content.get<std::string>(), id);
    }
    return absl::OkStatus();
  }

  const std::string& path_;
};

}  // namespace

absl::StatusOr<TokenizerJson> ReadTokenizerJson(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("no tokenizer.json path given");
  std::error_code error;
  std::ifstream in;
  if (std::filesystem::is_regular_file(path, error)) in.open(path, std::ios::binary);
  if (!in.is_open()) {
    std::string where;
    if (std::filesystem::path(path).is_relative()) {
      std::error_code cwd_error;
      where = absl::StrCat(" (a relative path is read from the directory vlmlab runs in, ",
                           std::filesystem::current_path(cwd_error).string(),
                           "; run from the repository root or give an absolute path)");
    }
    return absl::NotFoundError(absl::StrCat("cannot read tokenizer file '", path, "'", where));
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Reader reader(path);
  try {
    json root = json::parse(text);
    TokenizerJson out;
    if (absl::Status s = reader.Read(root, out); !s.ok()) return s;
    return out;
  } catch (const json::exception& e) {  // parse errors; the reader checks types first
    return reader.Bad(absl::StrCat("invalid JSON: ", e.what()));
  }
}

}  // namespace vlmlab::bpe
