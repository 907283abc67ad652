// Fuzzes reading a tokenizer.json (every component reader) and, when it loads, encoding and
// decoding a text with it. Input: the JSON, then "\n--\n", then the text.
#include <cstdint>

#include "nlohmann/json.hpp"
#include "plugins/tokenizers/hf_tokenizer.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<std::string> parts =
      vlmlab::fuzz::SplitFuzzInput(vlmlab::fuzz::FuzzString(data, size), 2);
  nlohmann::json root = nlohmann::json::parse(parts[0], nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return 0;
  absl::StatusOr<std::unique_ptr<vlmlab::hf::HfTokenizer>> tok =
      vlmlab::hf::HfTokenizer::FromJson(root, "fuzz.json");
  if (!tok.ok()) return 0;
  const std::vector<int32_t> ids = (*tok)->Encode(parts[1], /*add_special_tokens=*/true);
  for (int32_t id : ids) {
    if (id < 0 || id >= (*tok)->vocab_size()) __builtin_trap();  // ids stay in the vocabulary
  }
  (void)(*tok)->Decode(ids);
  return 0;
}
