// The `byte` tokenizer: bytes are ids 0..255, the special tokens follow; add_bos prepends BOS
// to a raw encoding (the chat template gives model sequences their own BOS either way).
#include "plugins/tokenizers/byte_tokenizer.h"

#include <memory>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/registry/global_registries.h"

namespace vlmlab {
namespace {

using ::testing::ElementsAre;

std::unique_ptr<Tokenizer> Make(bool add_bos) {
  ByteTokenizerOptions o;
  o.set_add_bos(add_bos);
  absl::StatusOr<std::unique_ptr<Tokenizer>> t =
      GlobalRegistries().Get<Tokenizer>().Find("byte")->create(o, BuildContext{});
  CHECK(t.ok()) << t.status();
  return std::move(*t);
}

TEST(ByteTokenizer, AddBosPrependsTheBosTokenToARawEncoding) {
  std::unique_ptr<Tokenizer> with = Make(true), without = Make(false);
  const int32_t bos = with->SpecialId(SpecialToken::kBos);
  EXPECT_EQ(bos, 257);  // after the 256 bytes and pad
  EXPECT_THAT(with->EncodeWithSpecialTokens("hé"), ElementsAre(bos, 'h', 0xC3, 0xA9));
  EXPECT_THAT(without->EncodeWithSpecialTokens("hé"), ElementsAre('h', 0xC3, 0xA9));
  EXPECT_THAT(with->Encode("hé"), ElementsAre('h', 0xC3, 0xA9));  // Encode never adds it
  EXPECT_EQ(*without->Decode(with->EncodeWithSpecialTokens("hé")), "<bos>hé");  // by name
  EXPECT_EQ(with->vocab_size(), 264);
}

}  // namespace
}  // namespace vlmlab
