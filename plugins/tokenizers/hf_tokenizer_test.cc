// HfTokenizer: components vlmlab does not implement are refused by name and JSON path, never
// approximated; and small pipelines worked out by hand (the fixtures of hf_fixtures_test.cc
// cover whole styles against Hugging Face's own output).
#include "plugins/tokenizers/hf_tokenizer.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vlmlab::hf {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A character-level BPE file: a..e, "ab", "<s>", "</s>", "<unk>", byte tokens for 0xC3 0xA9.
json CharFile() {
  return json::parse(R"({
    "added_tokens": [
      {"id": 0, "content": "<unk>", "special": true, "normalized": false},
      {"id": 1, "content": "<s>", "special": true, "normalized": false, "lstrip": true},
      {"id": 2, "content": "</s>", "special": true, "normalized": false, "rstrip": true}],
    "normalizer": null, "pre_tokenizer": null, "post_processor": null, "decoder": null,
    "model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": true, "byte_fallback": true,
      "vocab": {"<unk>": 0, "<s>": 1, "</s>": 2, "a": 3, "b": 4, "c": 5, " ": 6, "ab": 7,
                "<0xC3>": 8, "<0xA9>": 9},
      "merges": ["a b"]}})");
}

std::unique_ptr<HfTokenizer> Make(const json& file) {
  absl::StatusOr<std::unique_ptr<HfTokenizer>> tok = HfTokenizer::FromJson(file, "t.json");
  EXPECT_TRUE(tok.ok()) << tok.status();
  return tok.ok() ? std::move(*tok) : nullptr;
}

std::string Refusal(const json& file) {
  absl::StatusOr<std::unique_ptr<HfTokenizer>> tok = HfTokenizer::FromJson(file, "t.json");
  return tok.ok() ? "" : std::string(tok.status().message());
}

TEST(HfTokenizer, ByteFallbackUnknownAndStripFlags) {
  std::unique_ptr<HfTokenizer> tok = Make(CharFile());
  ASSERT_NE(tok, nullptr);
  // "é" has byte tokens; "xy" has none, so it is one fused <unk>; "ab" merges.
  EXPECT_THAT(tok->Encode("abé", false), ElementsAre(7, 8, 9));
  EXPECT_THAT(tok->Encode("cxyc", false), ElementsAre(5, 0, 5));
  // <s> takes the spaces before it (lstrip), </s> those after it (rstrip).
  EXPECT_THAT(tok->Encode("a  <s>b</s>  c", false), ElementsAre(3, 1, 4, 2, 5));
  EXPECT_EQ(*tok->Decode({3, 1, 4}), "a <s> b");  // no decoder: tokens joined by spaces
}

TEST(HfTokenizer, FuseUnkOffGivesOneUnknownPerCharacter) {
  json file = CharFile();
  file["model"]["fuse_unk"] = false;
  file["model"]["byte_fallback"] = false;
  std::unique_ptr<HfTokenizer> tok = Make(file);
  ASSERT_NE(tok, nullptr);
  EXPECT_THAT(tok->Encode("cxyé", false), ElementsAre(5, 0, 0, 0));
}

TEST(HfTokenizer, TemplateAddsSpecialTokensOnlyOnRequest) {
  json file = CharFile();
  file["post_processor"] = json::parse(R"({"type": "TemplateProcessing",
    "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
               {"SpecialToken": {"id": "</s>", "type_id": 0}}],
    "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]},
                       "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}}})");
  std::unique_ptr<HfTokenizer> tok = Make(file);
  ASSERT_NE(tok, nullptr);
  EXPECT_THAT(tok->Encode("ab", true), ElementsAre(1, 7, 2));
  EXPECT_THAT(tok->Encode("ab", false), ElementsAre(7));
  EXPECT_TRUE(tok->post_processor_adds_tokens());
  file["post_processor"]["special_tokens"]["</s>"]["ids"][0] = 99;
  EXPECT_THAT(Refusal(file), HasSubstr("post_processor adds token id 99, which no vocabulary "
                                       "entry or added token has"));
  file["post_processor"]["single"][0]["SpecialToken"]["id"] = "<bos>";
  EXPECT_THAT(Refusal(file), HasSubstr("post_processor.single[0] names the special token "
                                       "\"<bos>\", which special_tokens does not define"));
}

TEST(HfTokenizer, MetaspaceFirstPrependsOnlyAtTheStartOfTheText) {
  json file = CharFile();
  file["model"]["vocab"]["▁"] = 10;
  file["model"]["vocab"]["▁a"] = 11;
  file["model"]["merges"].push_back("▁ a");
  file["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "▁"},
                           {"prepend_scheme", "first"}, {"split", false}};
  std::unique_ptr<HfTokenizer> tok = Make(file);
  ASSERT_NE(tok, nullptr);
  EXPECT_THAT(tok->Encode("a", false), ElementsAre(11));
  // After an added token the piece does not start the text: no ▁ is prepended.
  EXPECT_THAT(tok->Encode("<s>a", false), ElementsAre(1, 3));
  file["pre_tokenizer"]["prepend_scheme"] = "always";
  tok = Make(file);
  EXPECT_THAT(tok->Encode("<s>a", false), ElementsAre(1, 11));
}

TEST(HfTokenizer, UnimplementedComponentsAreRefusedByName) {
  struct Case {
    const char* key;
    json section;
    const char* message;
  };
  const Case cases[] = {
      {"normalizer", {{"type", "Precompiled"}, {"precompiled_charsmap", "AAAA"}},
       "normalizer is the normalizer \"Precompiled\", which vlmlab does not implement"},
      {"normalizer",
       {{"type", "Sequence"}, {"normalizers", json::array({{{"type", "NFC"}},
                                                           {{"type", "BertNormalizer"}}})}},
       "normalizer.normalizers[1] is the normalizer \"BertNormalizer\""},
      {"pre_tokenizer",
       {{"type", "Sequence"}, {"pretokenizers", json::array({{{"type", "UnicodeScripts"}}})}},
       "pre_tokenizer.pretokenizers[0] is the pre-tokenizer \"UnicodeScripts\""},
      {"decoder", {{"type", "WordPiece"}, {"prefix", "##"}},
       "decoder is the decoder \"WordPiece\", which vlmlab does not implement"},
      {"post_processor", {{"type", "Fancy"}},
       "post_processor is the post-processor \"Fancy\", which vlmlab does not implement"},
      {"padding", {{"strategy", "BatchLongest"}}, "padding is set"},
  };
  for (const Case& c : cases) {
    json file = CharFile();
    file[c.key] = c.section;
    const std::string message = Refusal(file);
    EXPECT_THAT(message, HasSubstr(c.message)) << c.key;
    EXPECT_THAT(message, HasSubstr("t.json: ")) << c.key;
  }
  json file = CharFile();
  file["model"]["type"] = "Unigram";
  EXPECT_THAT(Refusal(file), HasSubstr("model is the model \"Unigram\", which vlmlab does not "
                                       "implement (supported: BPE)"));
}

TEST(HfTokenizer, BadFieldsNameTheirPath) {
  json file = CharFile();
  file["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "a"}}},
                           {"behavior", "Sideways"}};
  EXPECT_THAT(Refusal(file), HasSubstr("pre_tokenizer.behavior is \"Sideways\"; one of Removed"));
  file["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "ab"}};
  EXPECT_THAT(Refusal(file), HasSubstr("pre_tokenizer.replacement is \"ab\", not one character"));
  file["pre_tokenizer"] = nullptr;
  file["normalizer"] = {{"type", "Replace"}, {"pattern", "x"}, {"content", "y"}};
  EXPECT_THAT(Refusal(file), HasSubstr("normalizer.pattern is \"x\", not {\"String\""));
}

}  // namespace
}  // namespace vlmlab::hf
