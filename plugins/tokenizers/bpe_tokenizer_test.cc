// The `bpe` tokenizer on a small tokenizer.json written by the test: a GPT-2 byte alphabet
// (byte b has id b), a handful of merges, added tokens; exact encodings worked by hand.
#include "plugins/tokenizers/bpe_tokenizer.h"
#include "plugins/tokenizers/unicode_text.h"

#include <algorithm>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "platform/registry/global_registries.h"

namespace vlmlab {
namespace {

using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// GPT-2's bytes_to_unicode, written out independently of byte_level.cc.
std::string ByteChar(int b) {
  std::vector<int> bytes, chars;
  for (int c = 0; c < 256; ++c) {
    if ((c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE && c <= 0xFF)) {
      bytes.push_back(c);
    }
  }
  chars = bytes;
  for (int c = 0, n = 0; c < 256; ++c) {
    if (std::find(bytes.begin(), bytes.end(), c) == bytes.end()) {
      bytes.push_back(c);
      chars.push_back(256 + n++);
    }
  }
  int cp = chars[std::find(bytes.begin(), bytes.end(), b) - bytes.begin()];
  std::string out;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return out;
}

// Merges in rank order. "e l" outranks "h e", so "hel" is h+el, not he+l.
const std::vector<std::pair<std::string, std::string>> kMerges = {
    {"e", "l"},   {"h", "e"}, {"h", "el"},    {"l", "o"}, {"hel", "lo"}, {"Ġ", "w"}, {"o", "r"},
    {"Ġw", "or"}, {"l", "d"}, {"Ġwor", "ld"}, {"'", "s"}, {"a", "a"},    {"Ġ", "Ġ"}, {"Ċ", "Ċ"},
};
constexpr int kImageAround = 305;  // "<fake_token_around_image>", in model.vocab only

json TokenizerFile(bool merges_as_pairs = false) {
  json vocab = json::object();
  for (int b = 0; b < 256; ++b) vocab[ByteChar(b)] = b;
  json merges = json::array();
  for (const auto& [a, b] : kMerges) {
    if (!vocab.contains(a + b)) vocab[a + b] = static_cast<int>(vocab.size());
    merges.push_back(merges_as_pairs ? json::array({a, b}) : json(a + " " + b));
  }
  vocab["xyz"] = 290;  // reachable only through model.ignore_merges
  vocab["<fake_token_around_image>"] = kImageAround;
  json added = json::array();
  int id = 300;
  for (const char* t : {"<|endoftext|>", "<image>", "<|user|>", "<|assistant|>", "<|end"}) {
    added.push_back({{"id", id++}, {"content", t}, {"special", true}, {"lstrip", false}});
  }
  return {
      {"version", "1.0"},
      {"added_tokens", added},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
      {"decoder", {{"type", "ByteLevel"}}},
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}}};
}

std::string Write(const std::string& name, const std::string& text) {
  std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

BpeTokenizerOptions Options(const std::string& path) {
  BpeTokenizerOptions o;
  o.set_path(path);  // the other defaults all name tokens of the test file
  return o;
}

absl::StatusOr<std::unique_ptr<BpeTokenizer>> Load(const json& file,
                                                   BpeTokenizerOptions o = Options("")) {
  o.set_path(Write("tokenizer.json", file.dump()));
  return BpeTokenizer::Create(o);
}

std::unique_ptr<BpeTokenizer> LoadOk(const json& file, BpeTokenizerOptions o = Options("")) {
  absl::StatusOr<std::unique_ptr<BpeTokenizer>> tok = Load(file, o);
  EXPECT_TRUE(tok.ok()) << tok.status();
  return tok.ok() ? std::move(*tok) : nullptr;
}

// The id of a token of the test file.
int Id(const std::string& token) {
  static const json* file = new json(TokenizerFile());
  return (*file)["model"]["vocab"][token].get<int>();
}

TEST(BpeTokenizer, MergesLowestRankFirst) {
  std::unique_ptr<BpeTokenizer> tok = LoadOk(TokenizerFile());
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->vocab_size(), 306);
  EXPECT_THAT(tok->Encode("he"), ElementsAre(Id("he")));
  EXPECT_THAT(tok->Encode("hel"), ElementsAre(Id("hel")));  // left to right would give he, l
  EXPECT_THAT(tok->Encode("hello world"), ElementsAre(Id("hello"), Id("Ġworld")));
  EXPECT_THAT(tok->Encode("Hello"), ElementsAre('H', Id("el"), Id("lo")));
  EXPECT_THAT(tok->Encode("aaa"), ElementsAre(Id("aa"), 'a'));
  EXPECT_THAT(tok->Encode("aaaa"), ElementsAre(Id("aa"), Id("aa")));
  EXPECT_THAT(tok->Encode("xyz"), ElementsAre('x', 'y', 'z'));
  EXPECT_THAT(tok->Encode(""), ElementsAre());
  // Both spellings of merges give the same tokenizer.
  std::unique_ptr<BpeTokenizer> pairs = LoadOk(TokenizerFile(/*merges_as_pairs=*/true));
  ASSERT_NE(pairs, nullptr);
  for (const char* s : {"hel", "hello world", "Hello", "aaa", "it's"}) {
    EXPECT_EQ(pairs->Encode(s), tok->Encode(s)) << s;
  }
}

TEST(BpeTokenizer, PreTokenizesContractionsAndSpacesAsGpt2) {
  std::unique_ptr<BpeTokenizer> tok = LoadOk(TokenizerFile());
  ASSERT_NE(tok, nullptr);
  EXPECT_THAT(tok->Encode("it's"), ElementsAre('i', 't', Id("'s")));
  EXPECT_THAT(tok->Encode("IT'S"), ElementsAre('I', 'T', '\'', 'S'));  // case-sensitive
  // "a", " ", " b": the two spaces are separate pieces, so "Ġ Ġ" cannot merge them.
  EXPECT_THAT(tok->Encode("a  b"), ElementsAre('a', ' ', ' ', 'b'));
  // "a", "   \n", "\n", "b": within a piece "Ġ Ġ" merges, left to right.
  EXPECT_THAT(tok->Encode("a   \n\nb"), ElementsAre('a', Id("ĠĠ"), ' ', '\n', '\n', 'b'));
  EXPECT_THAT(tok->Encode("x\n\n"), ElementsAre('x', Id("ĊĊ")));
  EXPECT_THAT(tok->Encode("hello  world"), ElementsAre(Id("hello"), ' ', Id("Ġworld")));
}

TEST(BpeTokenizer, SplitsOutAddedAndSpecialTokens) {
  BpeTokenizerOptions o = Options("");
  o.set_add_bos(true);
  std::unique_ptr<BpeTokenizer> tok = LoadOk(TokenizerFile(), o);
  ASSERT_NE(tok, nullptr);
  EXPECT_THAT(tok->EncodeWithSpecialTokens("<|endoftext|>hello<image> world"),
              ElementsAre(300, 300, Id("hello"), 301, Id("Ġworld")));
  // Longest first: "<|end" is an added token too.
  EXPECT_THAT(tok->EncodeWithSpecialTokens("<|end<|endoftext|>"), ElementsAre(300, 304, 300));
  // A configured special token found only in model.vocab is cut out as well.
  EXPECT_THAT(tok->EncodeWithSpecialTokens("<fake_token_around_image><image><fake_token_around_image>"),
              ElementsAre(300, kImageAround, 301, kImageAround));
  // Encode itself never adds the BOS: callers such as the chat template place it.
  EXPECT_THAT(tok->Encode("hello"), ElementsAre(Id("hello")));
  EXPECT_EQ(tok->SpecialId(SpecialToken::kPad), 300);
  EXPECT_EQ(tok->SpecialId(SpecialToken::kBos), 300);
  EXPECT_EQ(tok->SpecialId(SpecialToken::kEos), 300);
  EXPECT_EQ(tok->SpecialId(SpecialToken::kImage), 301);
  EXPECT_EQ(tok->SpecialId(SpecialToken::kImageStart), kImageAround);
  EXPECT_EQ(tok->SpecialId(SpecialToken::kImageEnd), kImageAround);
  EXPECT_EQ(tok->SpecialId(SpecialToken::kUser), 302);
  EXPECT_EQ(tok->SpecialId(SpecialToken::kAssistant), 303);
}

// add_bos prepends bos_token to a raw encoding only where the file's post-processor adds no
// special tokens; with one that does, it is refused (a second BOS).
TEST(BpeTokenizer, AddBosIsRefusedWhenThePostProcessorAddsTokens) {
  BpeTokenizerOptions o = Options("");
  o.set_add_bos(true);
  json file = TokenizerFile();
  file["post_processor"] = {{"type", "ByteLevel"}};  // adds nothing: add_bos applies
  std::unique_ptr<BpeTokenizer> tok = LoadOk(file, o);
  ASSERT_NE(tok, nullptr);
  EXPECT_THAT(tok->EncodeWithSpecialTokens("hello"), ElementsAre(300, Id("hello")));
  file["post_processor"] = {{"type", "BertProcessing"},
                            {"cls", json::array({"<|endoftext|>", 300})},
                            {"sep", json::array({"<|endoftext|>", 300})}};
  EXPECT_THAT(Load(file, o).status().message(),
              HasSubstr("post_processor already adds special tokens to a raw encoding; remove "
                        "add_bos"));
  o.set_add_bos(false);  // the file's post-processor then decides
  tok = LoadOk(file, o);
  ASSERT_NE(tok, nullptr);
  EXPECT_THAT(tok->EncodeWithSpecialTokens("hello"), ElementsAre(300, Id("hello"), 300));
}

TEST(BpeTokenizer, SpecialTokenOptionsChooseTheIds) {
  // pad, eos and assistant named by other tokens of the file take those tokens' ids.
  BpeTokenizerOptions o = Options("");
  o.set_pad_token("<|end");
  o.set_eos_token("<|user|>");
  o.set_assistant_token("<fake_token_around_image>");
  std::unique_ptr<BpeTokenizer> tok = LoadOk(TokenizerFile(), o);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->SpecialId(SpecialToken::kPad), 304);
  EXPECT_EQ(tok->SpecialId(SpecialToken::kEos), 302);
  EXPECT_EQ(tok->SpecialId(SpecialToken::kAssistant), kImageAround);
  EXPECT_EQ(tok->SpecialId(SpecialToken::kBos), 300);  // unchanged
  // An empty name means the tokenizer has no such token.
  o.set_pad_token("");
  tok = LoadOk(TokenizerFile(), o);
  ASSERT_NE(tok, nullptr);
  EXPECT_LT(tok->SpecialId(SpecialToken::kPad), 0);
}

TEST(BpeTokenizer, DecodesBackToTheBytes) {
  std::unique_ptr<BpeTokenizer> tok = LoadOk(TokenizerFile());
  ASSERT_NE(tok, nullptr);
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  for (const std::string& s :
       {std::string("hello world"),
        std::string("Hello, wörld! 👋🏽 🇫🇷\n\tnew  line\r\n"),
        std::string("日本語のテキスト、한국어 and Ελληνικά ∑ x² ½"),
        std::string("<|user|>it's <image>\n<|assistant|>aaaa<|endoftext|>"),
        std::string("bad \xFF\xC3 utf-8 \xE6\x97"), all_bytes, std::string("   \n\n")}) {
    absl::StatusOr<std::string> back = tok->Decode(tok->Encode(s));
    ASSERT_TRUE(back.ok()) << back.status();
    // Malformed UTF-8 is encoded as U+FFFD, as Hugging Face's library (which takes a Rust
    // string) sees it.
    EXPECT_EQ(*back, hf::ValidUtf8(s));
  }
  EXPECT_EQ(*tok->Decode({300, kImageAround, Id("Ġworld")}),
            "<|endoftext|><fake_token_around_image> world");
}

TEST(BpeTokenizer, DecodeRefusesUnknownIds) {
  std::unique_ptr<BpeTokenizer> tok = LoadOk(TokenizerFile());
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->Decode({104, -1}).status().code(), absl::StatusCode::kOutOfRange);
  absl::Status past_end = tok->Decode({306}).status();
  EXPECT_EQ(past_end.code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(past_end.message(), HasSubstr("token id 306 at position 0"));
  absl::Status unassigned = tok->Decode({295}).status();
  EXPECT_EQ(unassigned.code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(unassigned.message(), HasSubstr("no vocabulary entry or added token has it"));
}

TEST(BpeTokenizer, ModelOptions) {
  json file = TokenizerFile();
  file["model"]["ignore_merges"] = true;
  std::unique_ptr<BpeTokenizer> tok = LoadOk(file);
  ASSERT_NE(tok, nullptr);
  EXPECT_THAT(tok->Encode("xyz hel"), ElementsAre(290, ' ', Id("hel")));
  file = TokenizerFile();
  file["pre_tokenizer"]["add_prefix_space"] = true;
  tok = LoadOk(file);
  ASSERT_NE(tok, nullptr);
  EXPECT_THAT(tok->Encode("world<image>hello"), ElementsAre(Id("Ġworld"), 301, ' ', Id("hello")));
  // A Split step before ByteLevel (Llama-3 style) runs the file's own regex: here runs of "l"
  // are isolated pieces and ByteLevel's regex is off, so "hel" cannot form across them.
  file = TokenizerFile();
  file["pre_tokenizer"] = {
      {"type", "Sequence"},
      {"pretokenizers",
       json::array({json::object({{"type", "Split"},
                                  {"pattern", {{"Regex", "l+"}}},
                                  {"behavior", "Isolated"},
                                  {"invert", false}}),
                    json::object({{"type", "ByteLevel"},
                                  {"add_prefix_space", false},
                                  {"use_regex", false}})})}};
  tok = LoadOk(file);
  ASSERT_NE(tok, nullptr);
  EXPECT_THAT(tok->Encode("hello"), ElementsAre(Id("he"), 'l', 'l', 'o'));
  // A file's regex that does not compile is refused with Oniguruma's message.
  file["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "(unclosed";
  EXPECT_THAT(Load(file).status().message(),
              HasSubstr("pre_tokenizer.pretokenizers[0].pattern regex \"(unclosed\" does not "
                        "compile"));
  // Bytes missing from the alphabet need an unknown token, which they then become.
  file = TokenizerFile();
  file["model"]["vocab"].erase(ByteChar(0));
  file["model"]["unk_token"] = "<|endoftext|>";
  file["model"]["vocab"]["<|endoftext|>"] = 300;
  tok = LoadOk(file);
  ASSERT_NE(tok, nullptr);
  EXPECT_THAT(tok->Encode(std::string("a\0", 2)), ElementsAre('a', 300));
}

TEST(BpeTokenizer, CacheIsSafeAcrossThreads) {
  std::unique_ptr<BpeTokenizer> tok = LoadOk(TokenizerFile());
  ASSERT_NE(tok, nullptr);
  const std::vector<int32_t> want = tok->Encode("hello world it's aaaa");
  std::vector<std::thread> threads;
  std::vector<int> same(4, 0);  // not vector<bool>: its bits share words, a data race (TSan)
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      bool ok = true;
      for (int i = 0; i < 200; ++i) {
        ok &= tok->Encode(absl::StrCat("hello world it's aaaa ", i)).size() > want.size();
        ok &= tok->Encode("hello world it's aaaa") == want;
      }
      same[t] = ok;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_THAT(same, ElementsAre(1, 1, 1, 1));
}

// Create's error for `file` written as text, or "" when it loads.
std::string ErrorForText(const std::string& text, BpeTokenizerOptions o = Options("")) {
  o.set_path(Write("bad.json", text));
  absl::StatusOr<std::unique_ptr<BpeTokenizer>> tok = BpeTokenizer::Create(o);
  if (tok.ok()) return "";
  EXPECT_THAT(tok.status().message(), HasSubstr(o.path()));
  return std::string(tok.status().message());
}

std::string ErrorFor(const json& file, BpeTokenizerOptions o = Options("")) {
  return ErrorForText(file.dump(), o);
}

TEST(BpeTokenizerErrors, FileAndJson) {
  BpeTokenizerOptions o = Options("/nonexistent/tokenizer.json");
  absl::Status missing = BpeTokenizer::Create(o).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.message(), HasSubstr("cannot read tokenizer file '/nonexistent/"));
  o.set_path(::testing::TempDir());  // a directory
  EXPECT_EQ(BpeTokenizer::Create(o).status().code(), absl::StatusCode::kNotFound);
  o.set_path("");
  EXPECT_FALSE(BpeTokenizer::Create(o).ok());
  EXPECT_THAT(ErrorForText("{\"model\": "), HasSubstr("invalid JSON"));
  EXPECT_THAT(ErrorForText(""), HasSubstr("invalid JSON"));
  EXPECT_THAT(ErrorForText("[]"), HasSubstr("not a JSON object"));
  EXPECT_THAT(ErrorForText("{}"), HasSubstr("model is missing or not an object"));
  EXPECT_THAT(ErrorForText("{\"model\": \"BPE\"}"), HasSubstr("model is missing or not an object"));
}

TEST(BpeTokenizerErrors, Model) {
  json file = TokenizerFile();
  file["model"]["type"] = "WordPiece";
  EXPECT_THAT(ErrorFor(file), HasSubstr("model is the model \"WordPiece\", which vlmlab does "
                                        "not implement (supported: BPE)"));
  file["model"].erase("type");  // files older than the type field: BPE when they have merges
  EXPECT_EQ(ErrorFor(file), "");
  file["model"].erase("merges");
  EXPECT_THAT(ErrorFor(file), HasSubstr("model is the model \"null\""));
  file = TokenizerFile();
  file["model"]["dropout"] = 0.1;
  EXPECT_THAT(ErrorFor(file), HasSubstr("model.dropout is 0.1; BPE dropout makes encoding random"));
  for (json bad : {json(json::array({1, 2})), json(json::object())}) {
    file = TokenizerFile();
    file["model"]["vocab"] = bad;
    EXPECT_THAT(ErrorFor(file), HasSubstr("model.vocab is not a non-empty object"));
  }
  for (json bad : {json("7"), json(-1), json(1.5), json(4294967296), json(1 << 24)}) {
    file = TokenizerFile();
    file["model"]["vocab"]["q"] = bad;
    EXPECT_THAT(ErrorFor(file), HasSubstr("model.vocab[\"q\"] is")) << bad;
  }
  file = TokenizerFile();
  file["model"]["unk_token"] = "<unk>";
  EXPECT_THAT(ErrorFor(file), HasSubstr("model.unk_token \"<unk>\" is not in model.vocab"));
  file["model"]["unk_token"] = 3;
  EXPECT_THAT(ErrorFor(file), HasSubstr("model.unk_token is 3, not a string"));
  file = TokenizerFile();
  file["truncation"] = {{"max_length", 8}};
  EXPECT_THAT(ErrorFor(file), HasSubstr("truncation is set; vlmlab does not truncate or pad"));
}

TEST(BpeTokenizerErrors, Merges) {
  json file = TokenizerFile();
  file["model"]["merges"].push_back("Ġ zz");
  EXPECT_THAT(ErrorFor(file),
              HasSubstr("model.merges[14] (\"Ġ zz\") references \"zz\", which is not in"));
  file = TokenizerFile(/*merges_as_pairs=*/true);
  file["model"]["merges"][3] = json::array({"q", "r"});
  EXPECT_THAT(ErrorFor(file),
              HasSubstr("model.merges[3] ([\"q\",\"r\"]) makes \"qr\", which is not in"));
  for (json bad :
       {json("abc"), json("a b c"), json::array({"a"}), json::array({"a", 1}), json(5)}) {
    file = TokenizerFile();
    file["model"]["merges"][0] = bad;
    EXPECT_THAT(ErrorFor(file), HasSubstr("model.merges[0] is")) << bad;
  }
  file["model"]["merges"] = "e l";
  EXPECT_THAT(ErrorFor(file), HasSubstr("model.merges is not an array"));
}

TEST(BpeTokenizerErrors, AddedTokens) {
  json file = TokenizerFile();
  file["added_tokens"] = json::array({json::array({"<image>", 5})});
  EXPECT_THAT(ErrorFor(file), HasSubstr("added_tokens[0].content is null, not a string"));
  file["added_tokens"] = json::array({json::object({{"id", 5}, {"content", ""}})});
  EXPECT_THAT(ErrorFor(file), HasSubstr("added_tokens[0].content is empty"));
  file["added_tokens"] = json::array({json::object({{"id", -5}, {"content", "x"}})});
  EXPECT_THAT(ErrorFor(file), HasSubstr("added_tokens[0].id is -5, not an id"));
  file["added_tokens"] =
      json::array({json::object({{"id", 5}, {"content", "x"}, {"lstrip", "yes"}})});
  EXPECT_THAT(ErrorFor(file), HasSubstr("added_tokens[0].lstrip is \"yes\", not true or false"));
  file["added_tokens"] = json::object();
  EXPECT_THAT(ErrorFor(file), HasSubstr("added_tokens is not an array"));
}

TEST(BpeTokenizerErrors, SpecialTokens) {
  BpeTokenizerOptions o = Options("");
  o.set_image_token("<img>");
  o.set_user_token("<|User|>");
  std::string error = ErrorFor(TokenizerFile(), o);
  EXPECT_THAT(error, HasSubstr("special tokens missing from model.vocab and added_tokens: "
                               "image_token \"<img>\", user_token \"<|User|>\"; set each"));
  o = Options("");
  for (const char* option : {"image_token", "image_start_token", "image_end_token"}) {
    o.GetReflection()->SetString(&o, o.GetDescriptor()->FindFieldByName(option), "");
  }
  json file = TokenizerFile();  // GPT-2 style: no image tokens, and none asked for
  file["added_tokens"].erase(1);
  file["model"]["vocab"].erase("<fake_token_around_image>");
  EXPECT_EQ(ErrorFor(file, o), "");
  o.set_image_token("<image>");
  EXPECT_THAT(ErrorFor(file, o), HasSubstr(": image_token \"<image>\"; set each"));
  o = Options("");
  o.set_add_bos(true);
  o.set_bos_token("");
  EXPECT_THAT(BpeTokenizer::Create(o).status().message(), HasSubstr("add_bos needs a bos_token"));
}

TEST(BpeTokenizer, IsRegisteredAndBuiltThroughTheRegistry) {
  const PluginEntry<Tokenizer>* entry = GlobalRegistries().Get<Tokenizer>().Find("bpe");
  ASSERT_NE(entry, nullptr);
  BpeTokenizerOptions o = Options(Write("registry.json", TokenizerFile().dump()));
  absl::StatusOr<std::unique_ptr<Tokenizer>> tok = entry->create(o, BuildContext{});
  ASSERT_TRUE(tok.ok()) << tok.status();
  EXPECT_THAT((*tok)->Encode("hello"), ElementsAre(Id("hello")));
  o.set_path("/nonexistent.json");
  EXPECT_EQ(entry->create(o, BuildContext{}).status().code(), absl::StatusCode::kNotFound);
  ValidationContext ctx;
  o.set_add_bos(true);
  o.set_bos_token("");
  entry->validate(o, ctx);
  EXPECT_FALSE(ctx.errors().empty());
}

}  // namespace
}  // namespace vlmlab
