// The chat template with the `byte` tokenizer plugin: decoding the ids gives back the template.
#include <vector>

#include "gtest/gtest.h"
#include "platform/data/chat_template.h"
#include "plugins/tokenizers/byte_tokenizer.h"

namespace vlmlab::data {
namespace {

TEST(ChatTemplateByteTokenizerTest, DecodesToTheTemplate) {
  ByteTokenizer tok{ByteTokenizerOptions()};  // add_bos: Encode prepends BOS to every piece
  const std::vector<Turn> turns = {{Turn::kUser, "<image>What is it?"},
                                   {Turn::kAssistant, "a cat"}};
  ChatTemplateOptions o;
  o.layout.placeholders = 3;
  o.layout.delimiters = true;
  absl::StatusOr<TokenizedSample> t = ApplyChatTemplate(turns, std::vector<ImageGrid>(1), tok, o);
  ASSERT_TRUE(t.ok()) << t.status();
  absl::StatusOr<std::string> text = tok.Decode(t->input_ids);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text,
            "<bos><user><image_start><image><image><image><image_end>What is it?<assistant>a "
            "cat<eos>");
  std::vector<int32_t> targets;
  for (int32_t l : t->labels) {
    if (l != kIgnoreLabel) targets.push_back(l);
  }
  EXPECT_EQ(*tok.Decode(targets), "a cat<eos>");
  EXPECT_EQ(PadId(tok), tok.SpecialId(SpecialToken::kPad));
}

}  // namespace
}  // namespace vlmlab::data
