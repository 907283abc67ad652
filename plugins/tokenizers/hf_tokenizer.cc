#include "plugins/tokenizers/hf_tokenizer.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "plugins/tokenizers/byte_level.h"
#include "plugins/tokenizers/unicode_text.h"

namespace vlmlab::hf {
namespace {

constexpr uintmax_t kMaxFileBytes = uintmax_t{1} << 30;  // 1 GiB; real files are < 50 MB

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("no tokenizer.json path given");
  std::error_code error;
  const bool regular = std::filesystem::is_regular_file(path, error);
  std::ifstream in;
  if (regular) in.open(path, std::ios::binary);
  if (!in.is_open()) {
    std::string where;
    if (std::filesystem::exists(path, error) && !regular) {
      where = " (it is not a regular file)";
    } else if (std::filesystem::path(path).is_relative()) {
      std::error_code cwd_error;
      where = absl::StrCat(" (a relative path is read from the directory vlmlab runs in, ",
                           std::filesystem::current_path(cwd_error).string(),
                           "; run from the repository root or give an absolute path)");
    }
    return absl::NotFoundError(absl::StrCat("cannot read tokenizer file '", path, "'", where));
  }
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (!error && size > kMaxFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", size, " bytes; a tokenizer.json over 1 GiB is refused"));
  }
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

absl::StatusOr<std::unique_ptr<HfTokenizer>> HfTokenizer::Load(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  json root;
  try {
    root = json::parse(*text);
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": invalid JSON: ", e.what()));
  }
  return FromJson(root, path);
}

absl::StatusOr<std::unique_ptr<HfTokenizer>> HfTokenizer::FromJson(const json& root,
                                                                 const std::string& name) {
  if (!root.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": the top level is not a JSON object"));
  }
  auto in_file = [&](absl::Status s) {
    return absl::Status(s.code(), absl::StrCat(name, ": ", s.message()));
  };
  auto at = [&](const char* key) { return JsonAt{JsonMember(root, key), key}; };
  for (const char* key : {"truncation", "padding"}) {
    if (!JsonMember(root, key).is_null()) {
      return in_file(at(key).Bad(absl::StrCat(
          "is set; vlmlab does not truncate or pad in the tokenizer (sequence lengths come from "
          "the experiment spec): set it to null")));
    }
  }
  std::unique_ptr<HfTokenizer> tok(new HfTokenizer());
  tok->name_ = name;
  const JsonAt model = at("model");
  if (!model.value.is_object()) return in_file(model.Bad("is missing or not an object"));
  const json& type = JsonMember(model.value, "type");
  // Files written before the type field existed hold a BPE model when they have merges.
  if (!(type == "BPE" || (type.is_null() && JsonMember(model.value, "merges").is_array()))) {
    return in_file(model.Unsupported("model", type.is_string() ? type.get<std::string>()
                                                               : ShowJson(type),
                                     "BPE"));
  }
  absl::StatusOr<std::unique_ptr<BpeModel>> bpe = BpeModel::Read(model);
  if (!bpe.ok()) return in_file(bpe.status());
  tok->model_ = std::move(*bpe);
  absl::StatusOr<std::unique_ptr<Normalizer>> normalizer = ReadNormalizer(at("normalizer"));
  if (!normalizer.ok()) return in_file(normalizer.status());
  tok->normalizer_ = std::move(*normalizer);
  absl::StatusOr<std::unique_ptr<PreTokenizer>> pre = ReadPreTokenizer(at("pre_tokenizer"));
  if (!pre.ok()) return in_file(pre.status());
  tok->pre_ = std::move(*pre);
  absl::StatusOr<std::unique_ptr<PostProcessor>> post = ReadPostProcessor(at("post_processor"));
  if (!post.ok()) return in_file(post.status());
  tok->post_ = std::move(*post);
  absl::StatusOr<std::unique_ptr<Decoder>> decoder = ReadDecoder(at("decoder"));
  if (!decoder.ok()) return in_file(decoder.status());
  tok->decoder_ = std::move(*decoder);

  absl::StatusOr<std::vector<AddedToken>> added = ReadAddedTokens(at("added_tokens"));
  if (!added.ok()) return in_file(added.status());
  tok->SetAddedTokens(std::move(*added));
  // Every id the post-processor adds must be a token of the file: an id outside the vocabulary
  // would index past the model's embedding table. (Found by tests/fuzz/tokenizer_json_fuzzer.)
  if (tok->post_) {
    for (int32_t id : tok->post_->Process({})) {
      if (tok->IdToToken(id) == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            name, ": post_processor adds token id ", id,
            ", which no vocabulary entry or added token has; give the id of a token of the file"));
      }
    }
  }
  return tok;
}

void HfTokenizer::SetAddedTokens(std::vector<AddedToken> tokens) {
  added_ids_.clear();
  for (const AddedToken& t : tokens) added_ids_.try_emplace(t.content, t.id);
  vocab_size_ = model_->max_id() + 1;
  for (const AddedToken& t : tokens) vocab_size_ = std::max(vocab_size_, t.id + 1);
  added_ = AddedVocabulary(std::move(tokens), normalizer_.get());
}

absl::Status HfTokenizer::AddSpecialTokens(const std::vector<std::string>& contents) {
  std::vector<AddedToken> tokens = added_.tokens();
  std::vector<std::string> missing;
  for (const std::string& s : contents) {
    if (s.empty() || added_ids_.contains(s)) continue;
    const int32_t id = SpecialTokenId(s);
    if (id < 0) {
      missing.push_back(absl::StrCat("\"", s, "\""));
      continue;
    }
    AddedToken t;
    t.content = s, t.id = id, t.normalized = false, t.special = true;
    added_ids_.emplace(s, id);
    tokens.push_back(std::move(t));
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(name_, ": ", absl::StrJoin(missing, ", "),
                                                   " in neither added_tokens nor model.vocab"));
  }
  SetAddedTokens(std::move(tokens));
  return absl::OkStatus();
}

std::vector<int32_t> HfTokenizer::Encode(absl::string_view text, bool add_special_tokens) const {
  std::vector<Piece> pieces = {Piece::Whole(ValidUtf8(text))};
  added_.ExtractRaw(pieces);
  if (normalizer_) {
    for (Piece& p : pieces) {
      if (p.added_id < 0) normalizer_->Normalize(p);
    }
  }
  added_.ExtractNormalized(pieces);
  if (pre_) pre_->PreTokenize(pieces);
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 2);
  for (const Piece& p : pieces) {
    if (p.added_id >= 0) {
      ids.push_back(p.added_id);
    } else {
      model_->Tokenize(p.text, ids);
    }
  }
  if (add_special_tokens && post_) ids = post_->Process(std::move(ids));
  return ids;
}

const std::string* HfTokenizer::IdToToken(int32_t id) const {
  if (const std::string* added = added_.IdToToken(id)) return added;
  return model_->IdToToken(id);
}

int32_t HfTokenizer::TokenToId(absl::string_view token) const {
  auto it = added_ids_.find(token);
  return it != added_ids_.end() ? it->second : model_->TokenToId(token);
}

int32_t HfTokenizer::SpecialTokenId(absl::string_view token) const {
  const int32_t id = TokenToId(token);
  return id >= 0 ? id : model_->TokenToId(bpe::BytesToUnicode(token));
}

absl::StatusOr<std::string> HfTokenizer::Decode(absl::Span<const int32_t> ids) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::string* token = IdToToken(ids[i]);
    if (token == nullptr) {
      return absl::OutOfRangeError(absl::StrCat(
          "token id ", ids[i], " at position ", i, " is not in ", name_,
          ids[i] < 0 || ids[i] >= vocab_size_
              ? absl::StrCat(" (its ids are [0, ", vocab_size_, "))")
              : std::string(" (no vocabulary entry or added token has it)")));
    }
    tokens.push_back(*token);
  }
  return DecodeTokens(decoder_.get(), std::move(tokens));
}

}  // namespace vlmlab::hf
