// Fuzzes encoding arbitrary bytes with the checked-in Hugging Face style fixtures (GPT-2,
// Llama-3, Llama-2, Qwen2, added-token flags): no crash, ids inside the vocabulary, and for the
// byte-level GPT-2 file decode(encode(text)) gives the text back (as valid UTF-8).
#include <cstdint>
#include <fstream>
#include <memory>
#include <vector>

#include "glog/logging.h"
#include "nlohmann/json.hpp"
#include "plugins/tokenizers/hf_tokenizer.h"
#include "plugins/tokenizers/unicode_text.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

std::vector<std::unique_ptr<vlmlab::hf::HfTokenizer>>& Tokenizers() {
  static auto* toks = [] {
    auto* out = new std::vector<std::unique_ptr<vlmlab::hf::HfTokenizer>>();
    for (const char* style : {"gpt2", "llama3", "llama2", "qwen2", "added_token_flags"}) {
      std::ifstream in(std::string("plugins/tokenizers/testdata/hf/") + style + ".json");
      CHECK(in) << "run from the repository root: fixture " << style << " not found";
      const nlohmann::json fixture = nlohmann::json::parse(in);
      auto tok = vlmlab::hf::HfTokenizer::FromJson(fixture["tokenizer"], style);
      CHECK(tok.ok()) << tok.status();
      out->push_back(std::move(*tok));
    }
    return out;
  }();
  return *toks;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = vlmlab::fuzz::FuzzString(data, size);
  for (size_t k = 0; k < Tokenizers().size(); ++k) {
    const auto& tok = Tokenizers()[k];
    const std::vector<int32_t> ids = tok->Encode(text, /*add_special_tokens=*/false);
    for (int32_t id : ids) CHECK(id >= 0 && id < tok->vocab_size()) << tok->name();
    absl::StatusOr<std::string> back = tok->Decode(ids);
    CHECK(back.ok()) << back.status();
    if (k == 0) CHECK_EQ(*back, vlmlab::hf::ValidUtf8(text)) << "GPT-2 round trip";
  }
  return 0;
}
