// The BPE trainer: merges worked out by hand on a tiny corpus, determinism, files that the `bpe`
// plugin loads and that round-trip any bytes, compression of caption-like text, the prefix-space
// option, and errors. Training speed: bpe_trainer_benchmark.cc.
#include "plugins/tokenizers/bpe_trainer.h"

#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "plugins/tokenizers/bpe_tokenizer.h"
#include "plugins/tokenizers/unicode_text.h"

namespace vlmlab::bpe {
namespace {

using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TrainedBpe TrainOk(const std::vector<std::string>& texts, TrainerOptions o) {
  absl::StatusOr<std::unique_ptr<BpeTrainer>> trainer = BpeTrainer::Create(std::move(o));
  EXPECT_TRUE(trainer.ok()) << trainer.status();
  if (!trainer.ok()) return {};
  for (const std::string& t : texts) (*trainer)->Add(t);
  absl::StatusOr<TrainedBpe> bpe = (*trainer)->Train();
  EXPECT_TRUE(bpe.ok()) << bpe.status();
  return bpe.ok() ? *std::move(bpe) : TrainedBpe{};
}

// Merges as "left right" in the byte-level alphabet, the way tokenizer.json writes them.
std::vector<std::string> MergeStrings(const TrainedBpe& bpe) {
  json file = json::parse(TokenizerJsonText(bpe));
  return file["model"]["merges"].get<std::vector<std::string>>();
}

std::string TempPath(const std::string& name) {
  return absl::StrCat(::testing::TempDir(), "/", name);
}

// With the default special tokens unless `unset_specials`.
std::unique_ptr<BpeTokenizer> Load(const std::string& path, bool unset_specials = false) {
  BpeTokenizerOptions o;
  o.set_path(path);
  if (unset_specials) {
    o.set_pad_token("");
    o.set_bos_token("");
    o.set_eos_token("");
    o.set_image_token("");
    o.set_image_start_token("");
    o.set_image_end_token("");
    o.set_user_token("");
    o.set_assistant_token("");
  }
  absl::StatusOr<std::unique_ptr<BpeTokenizer>> tok = BpeTokenizer::Create(o);
  EXPECT_TRUE(tok.ok()) << tok.status();
  return tok.ok() ? std::move(*tok) : nullptr;
}

// Captions in the style of the synthetic world's, from a fixed seed.
std::vector<std::string> Captions(int n, uint32_t seed) {
  const std::vector<std::string> colors = {"red", "green", "blue", "yellow", "purple", "orange"};
  const std::vector<std::string> shapes = {"circle", "square", "triangle", "star", "hexagon"};
  const std::vector<std::string> relations = {"left of", "right of", "above", "below", "next to"};
  const std::vector<std::string> counts = {"one", "two", "three", "four"};
  std::mt19937 rng(seed);
  auto pick = [&rng](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(absl::StrCat("There are ", pick(counts), " shapes. A ", pick(colors), " ",
                               pick(shapes), " is ", pick(relations), " a small ", pick(colors),
                               " ", pick(shapes), "."));
  }
  return out;
}

TEST(BpeTrainer, MergesWorkedOutByHand) {
  // Pieces: "hug" x1, " hug" x2, " pug", " pun", " bun". Pair counts: u g 4, h u 3, then 2 for
  // (" ", h), (" ", p), (p, u), (u, n). After u+g and h+ug, three pairs have count 2:
  // (" ", "hug"), (" ", "p"), ("u", "n"): the smallest left token wins, then the smallest right.
  TrainerOptions o;
  o.special_tokens = {};
  o.vocab_size = 1000;
  o.min_frequency = 2;
  TrainedBpe bpe = TrainOk({"hug hug hug", " pug pun bun"}, o);
  EXPECT_THAT(MergeStrings(bpe), ElementsAre("u g", "h ug", "Ġ hug", "Ġ p", "u n"));
  EXPECT_THAT(bpe.merge_counts, ElementsAre(4, 3, 2, 2, 2));
  EXPECT_EQ(bpe.vocab_size(), 256 + 5);  // the remaining pairs occur once: below min_frequency
  EXPECT_EQ(bpe.tokens[256 + 2], " hug");
  EXPECT_EQ(bpe.texts, 2);
  EXPECT_EQ(bpe.pieces, 6);
  EXPECT_EQ(bpe.distinct_pieces, 5);

  o.min_frequency = 1;  // now every pair qualifies; the vocabulary is the limit
  o.vocab_size = 256 + 3;
  EXPECT_THAT(MergeStrings(TrainOk({"hug hug hug", " pug pun bun"}, o)),
              ElementsAre("u g", "h ug", "Ġ hug"));
}

TEST(BpeTrainer, SpecialTokensAreCutOutAndComeFirst) {
  TrainerOptions o;
  o.special_tokens = {"<s>", "<image>"};
  o.vocab_size = 2 + 256 + 10;
  // Without the cut, "<image>" would give the frequent pairs (<, i), (m, a), ...
  TrainedBpe bpe = TrainOk({"<image>ab<image>ab", "<s>ab ab<image> ab"}, o);
  EXPECT_THAT(MergeStrings(bpe), ElementsAre("a b", "Ġ ab"));
  EXPECT_EQ(bpe.tokens[0], "<s>");
  EXPECT_EQ(bpe.tokens[1], "<image>");
  EXPECT_EQ(bpe.tokens[2 + 'a'], "a");  // byte b has id 2 + b
  json file = json::parse(TokenizerJsonText(bpe));
  EXPECT_EQ(file["added_tokens"][1]["content"], "<image>");
  EXPECT_EQ(file["added_tokens"][1]["id"], 1);
  EXPECT_EQ(file["model"]["vocab"]["<image>"], 1);
  EXPECT_EQ(file["model"]["vocab"]["Ġab"], 2 + 256 + 1);
}

TEST(BpeTrainer, NeverMakesATokenSpelledLikeASpecialToken) {
  // "Ġx" is how the vocabulary writes the bytes " x": merging (" ", "x") would give two entries
  // named "Ġx", so that pair is skipped and the next one merged.
  TrainerOptions o;
  o.special_tokens = {"Ġx"};
  o.min_frequency = 1;
  o.vocab_size = 1 + 256 + 2;
  TrainedBpe bpe = TrainOk({" x x x xy"}, o);
  EXPECT_THAT(MergeStrings(bpe), ElementsAre("x y", "Ġ xy"));
  json file = json::parse(TokenizerJsonText(bpe));
  EXPECT_EQ(file["model"]["vocab"].size(), 259u);
}

TEST(BpeTrainer, DefaultSpecialTokensAreThePluginDefaults) {
  EXPECT_THAT(DefaultSpecialTokens(),
              ElementsAre("<|endoftext|>", "<image>", "<fake_token_around_image>", "<|user|>",
                          "<|assistant|>"));
}

TEST(BpeTrainer, SameInputGivesTheSameBytes) {
  std::vector<std::string> texts = Captions(2000, 7);
  TrainerOptions o;
  o.vocab_size = 500;
  const std::string first = TokenizerJsonText(TrainOk(texts, o));
  EXPECT_EQ(TokenizerJsonText(TrainOk(texts, o)), first);
  // Only the counts matter, not the order in which texts arrive.
  std::reverse(texts.begin(), texts.end());
  EXPECT_EQ(TokenizerJsonText(TrainOk(texts, o)), first);
  // And the file written is that text.
  const std::string path = TempPath("same.json");
  ASSERT_TRUE(WriteTokenizerJson(TrainOk(texts, o), path).ok());
  std::ifstream in(path, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), first);
}

TEST(BpeTrainer, TrainedFileLoadsAndRoundTripsAnyBytes) {
  TrainerOptions o;
  o.vocab_size = 340;  // the captions' words hold a little more
  TrainedBpe bpe = TrainOk(Captions(3000, 1), o);
  EXPECT_EQ(bpe.vocab_size(), 340);
  const std::string path = TempPath("trained.json");
  ASSERT_TRUE(WriteTokenizerJson(bpe, path).ok());
  std::unique_ptr<BpeTokenizer> tok = Load(path);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->vocab_size(), 340);
  EXPECT_EQ(tok->SpecialId(SpecialToken::kEos), 0);
  EXPECT_EQ(tok->SpecialId(SpecialToken::kImage), 1);
  EXPECT_EQ(tok->SpecialId(SpecialToken::kImageStart), 2);
  EXPECT_EQ(tok->SpecialId(SpecialToken::kAssistant), 4);

  // Special tokens inside text become their ids.
  std::vector<int32_t> ids = tok->Encode("<|user|><image>What is red?<|assistant|>a circle");
  ASSERT_GE(ids.size(), 3u);
  EXPECT_EQ(ids[0], 3);
  EXPECT_EQ(ids[1], 1);
  EXPECT_THAT(ids, ::testing::Contains(4));

  std::mt19937 rng(3);
  static constexpr char kInvalid[] = "\0\xff\xfe\x80 invalid \xc3 utf-8 \xe2\x82";
  std::vector<std::string> texts = {
      "A red circle is left of a blue square.",
      "Ünïcödé: naïve café, Ελληνικά, русский, 日本語のテキスト, 한국어, emoji "
      "🙂👍🏽",
      "tabs\tand\nnewlines\r\n  double  spaces   ",
      "<image><image> stuck<|endoftext|>together<fake_token_around_image>",
      std::string(kInvalid, sizeof(kInvalid) - 1),
  };
  for (int n = 0; n < 20; ++n) {  // random bytes
    std::string s;
    for (int i = 0; i < 64; ++i) s.push_back(static_cast<char>(rng() & 0xFF));
    texts.push_back(s);
  }
  for (const std::string& text : texts) {
    std::vector<int32_t> encoded = tok->Encode(text);
    for (int32_t id : encoded) ASSERT_LT(id, tok->vocab_size());
    absl::StatusOr<std::string> decoded = tok->Decode(encoded);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, hf::ValidUtf8(text));  // malformed UTF-8 is read as U+FFFD
  }
}

TEST(BpeTrainer, EncodesCaptionsInFarFewerTokensThanBytes) {
  TrainerOptions o;
  o.vocab_size = 1000;
  const std::string path = TempPath("captions.json");
  ASSERT_TRUE(WriteTokenizerJson(TrainOk(Captions(5000, 11), o), path).ok());
  std::unique_ptr<BpeTokenizer> tok = Load(path);
  ASSERT_NE(tok, nullptr);
  int64_t bytes = 0, tokens = 0;
  for (const std::string& caption : Captions(500, 12)) {  // held out
    bytes += caption.size();
    tokens += tok->Encode(caption).size();
  }
  // Every word of this vocabulary is one token: ~5x shorter than bytes.
  EXPECT_LT(tokens * 4, bytes) << tokens << " tokens for " << bytes << " bytes";
}

TEST(BpeTrainer, PrefixSpaceGivesAWordOneTokenAtTheStartOfATurn) {
  // The captions never start with a colour word; answers do ("red"). With add_prefix_space
  // the answer "red" is encoded as " red", the token the captions trained.
  std::vector<std::string> texts = Captions(3000, 5);
  TrainerOptions o;
  o.vocab_size = 340;
  o.add_prefix_space = true;
  TrainedBpe bpe = TrainOk(texts, o);
  EXPECT_TRUE(bpe.add_prefix_space);
  json file = json::parse(TokenizerJsonText(bpe));
  EXPECT_EQ(file["pre_tokenizer"]["add_prefix_space"], true);
  const std::string path = TempPath("prefixed.json");
  ASSERT_TRUE(WriteTokenizerJson(bpe, path).ok());
  std::unique_ptr<BpeTokenizer> tok = Load(path);
  ASSERT_NE(tok, nullptr);
  for (const char* word : {"red", "hexagon", "purple"}) {
    std::vector<int32_t> bare = tok->Encode(word);
    EXPECT_EQ(bare.size(), 1u) << word;
    EXPECT_EQ(bare, tok->Encode(absl::StrCat(" ", word))) << word;
    // Also after a special token: each text between special tokens gets the space.
    std::vector<int32_t> turn = tok->Encode(absl::StrCat("<|assistant|>", word));
    ASSERT_EQ(turn.size(), 2u) << word;
    EXPECT_EQ(turn[1], bare[0]) << word;
  }

  // Control: trained without the option, the bare word is not the caption's token.
  o.add_prefix_space = false;
  const std::string plain_path = TempPath("unprefixed.json");
  TrainedBpe plain = TrainOk(texts, o);
  EXPECT_EQ(json::parse(TokenizerJsonText(plain))["pre_tokenizer"]["add_prefix_space"], false);
  ASSERT_TRUE(WriteTokenizerJson(plain, plain_path).ok());
  std::unique_ptr<BpeTokenizer> plain_tok = Load(plain_path);
  ASSERT_NE(plain_tok, nullptr);
  EXPECT_NE(plain_tok->Encode("red"), plain_tok->Encode(" red"));
}

TEST(BpeTrainer, RandomCorporaGiveConsistentFiles) {
  // Many merges over a tiny alphabet (long tokens, spaces, pieces nested in others): every
  // vocabulary string stays distinct, the file loads, and every text round-trips.
  std::mt19937 rng(5);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<std::string> texts;
    for (int t = 0; t < 50; ++t) {
      std::string s;
      for (int i = 0; i < 40; ++i) s.push_back("aabbc  "[rng() % 7]);
      texts.push_back(s);
    }
    TrainerOptions o;
    o.special_tokens = {"<s>"};
    o.vocab_size = 1 + 256 + 60;
    o.min_frequency = 1;
    TrainedBpe bpe = TrainOk(texts, o);
    EXPECT_GE(bpe.merges.size(), static_cast<size_t>(bpe.vocab_size() - 257));
    json file = json::parse(TokenizerJsonText(bpe));
    EXPECT_EQ(file["model"]["vocab"].size(), static_cast<size_t>(bpe.vocab_size()));
    const std::string path = TempPath("random.json");
    ASSERT_TRUE(WriteTokenizerJson(bpe, path).ok());
    std::unique_ptr<BpeTokenizer> tok = Load(path, /*unset_specials=*/true);
    ASSERT_NE(tok, nullptr);
    EXPECT_THAT(tok->Encode("<s>"), ElementsAre(0));  // a token of the file all the same
    for (const std::string& text : texts) {
      absl::StatusOr<std::string> decoded = tok->Decode(tok->Encode(text));
      ASSERT_TRUE(decoded.ok()) << decoded.status();
      EXPECT_EQ(*decoded, text);
    }
  }
}

TEST(BpeTrainerErrors, Options) {
  TrainerOptions o;
  o.vocab_size = 260;
  absl::StatusOr<std::unique_ptr<BpeTrainer>> t = BpeTrainer::Create(o);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(),
              HasSubstr("vocab_size 260 is below the 256 byte tokens plus 5 special tokens"));
  EXPECT_THAT(t.status().message(), HasSubstr("set vocab_size to at least 261"));

  o.vocab_size = 300;
  o.min_frequency = 0;
  EXPECT_THAT(BpeTrainer::Create(o).status().message(), HasSubstr("min_frequency is 0"));
  o.min_frequency = 1;
  o.special_tokens = {"<a>", ""};
  EXPECT_THAT(BpeTrainer::Create(o).status().message(), HasSubstr("special_tokens[1] is empty"));
  o.special_tokens = {"<a>", "<a>"};
  EXPECT_THAT(BpeTrainer::Create(o).status().message(), HasSubstr("\"<a>\" is listed twice"));
  o.special_tokens = {"x"};
  EXPECT_THAT(BpeTrainer::Create(o).status().message(),
              HasSubstr("is the byte-level character of byte 120"));
}

TEST(BpeTrainerErrors, EmptyCorpus) {
  TrainerOptions o;
  o.vocab_size = 300;
  absl::StatusOr<std::unique_ptr<BpeTrainer>> t = BpeTrainer::Create(o);
  ASSERT_TRUE(t.ok());
  EXPECT_THAT((*t)->Train().status().message(), HasSubstr("no text to train on: 0 texts"));
  (*t)->Add("");
  (*t)->Add("<image><|endoftext|>");
  EXPECT_THAT((*t)->Train().status().message(), HasSubstr("no text to train on: 2 texts"));
  (*t)->Add("x");
  EXPECT_TRUE((*t)->Train().ok());
}

TEST(BpeTrainerErrors, UnwritableOutput) {
  TrainerOptions o;
  o.vocab_size = 300;
  TrainedBpe bpe = TrainOk({"some text"}, o);
  const std::string path = TempPath("no/such/dir/tokenizer.json");
  absl::Status s = WriteTokenizerJson(bpe, path);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr(absl::StrCat("cannot write tokenizer file '", path, "'")));
}

}  // namespace
}  // namespace vlmlab::bpe
