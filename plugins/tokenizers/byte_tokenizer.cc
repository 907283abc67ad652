#include "plugins/tokenizers/byte_tokenizer.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "platform/registry/global_registries.h"

namespace vlmlab {

namespace {
constexpr const char* kSpecialNames[ByteTokenizer::kNumSpecial] = {
    "<pad>", "<bos>", "<eos>", "<image>", "<image_start>", "<image_end>", "<user>", "<assistant>"};
}  // namespace

std::vector<int32_t> ByteTokenizer::Encode(absl::string_view text) const {
  std::vector<int32_t> ids;
  ids.reserve(text.size());
  for (char c : text) ids.push_back(static_cast<unsigned char>(c));
  return ids;
}

std::vector<int32_t> ByteTokenizer::EncodeWithSpecialTokens(absl::string_view text) const {
  std::vector<int32_t> ids = Encode(text);
  if (options_.add_bos()) ids.insert(ids.begin(), SpecialId(SpecialToken::kBos));
  return ids;
}

absl::StatusOr<std::string> ByteTokenizer::Decode(absl::Span<const int32_t> ids) const {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    int32_t id = ids[i];
    if (id < 0 || id >= vocab_size()) {
      return absl::OutOfRangeError(absl::StrCat("token id ", id, " at position ", i,
                                                " is outside the byte vocabulary [0, ",
                                                vocab_size(), ")"));
    }
    if (id < kNumBytes) {
      out.push_back(static_cast<char>(id));
    } else {
      out += kSpecialNames[id - kNumBytes];
    }
  }
  return out;
}

namespace {
VLMLAB_REGISTER_PLUGIN(
    Tokenizer, ByteTokenizerOptions, "byte", "UTF-8 bytes plus special tokens; no vocabulary file",
    [](const ByteTokenizerOptions& o,
       const BuildContext&) -> absl::StatusOr<std::unique_ptr<Tokenizer>> {
      return std::make_unique<ByteTokenizer>(o);
    },
    nullptr);
}  // namespace

}  // namespace vlmlab
