#include "platform/data/chat_template.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/data/data_testing.h"

namespace vlmlab::data {
namespace {

// TestTokenizer ids: bytes 0..255; pad 300, bos 301, eos 302, image 303, image_start 304,
// image_end 305, user 306, assistant 307.
constexpr int32_t kBos = 301, kEos = 302, kImg = 303, kStart = 304, kEnd = 305, kUser = 306,
                  kAsst = 307, X = kIgnoreLabel;

const std::vector<Turn> kCaption = {{Turn::kUser, "<image>Hi"}, {Turn::kAssistant, "ok"}};
const std::vector<ImageGrid> kOne(1), kTwo(2), kNone;  // whole images, not split

ChatTemplateOptions Options(int64_t placeholders, bool delimiters) {
  ChatTemplateOptions o;
  o.layout.placeholders = placeholders;
  o.layout.delimiters = delimiters;
  return o;
}

TEST(ChatTemplateTest, AssistantOnlyLabels) {
  testing::TestTokenizer tok;
  absl::StatusOr<TokenizedSample> t = ApplyChatTemplate(kCaption, kOne, tok, Options(2, true));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->input_ids, (std::vector<int32_t>{kBos, kUser, kStart, kImg, kImg, kEnd, 'H', 'i',
                                                kAsst, 'o', 'k', kEos}));
  // labels[t] is the target at position t: the assistant's "o", "k" and EOS.
  EXPECT_EQ(t->labels, (std::vector<int32_t>{X, X, X, X, X, X, X, X, 'o', 'k', kEos, X}));
  EXPECT_EQ(t->image_tensors, 1);
  EXPECT_FALSE(t->truncated);
}

TEST(ChatTemplateTest, AllTextLabelsExcludeImageTokens) {
  testing::TestTokenizer tok;
  ChatTemplateOptions o = Options(2, true);
  o.assistant_only = false;
  absl::StatusOr<TokenizedSample> t = ApplyChatTemplate(kCaption, kOne, tok, o);
  ASSERT_TRUE(t.ok());
  // Targets: user marker, "H", "i", assistant marker, "o", "k", EOS; never the image tokens.
  EXPECT_EQ(t->labels,
            (std::vector<int32_t>{kUser, X, X, X, X, 'H', 'i', kAsst, 'o', 'k', kEos, X}));
}

// `ids` followed by the bytes of `text` (TestTokenizer encodes bytes as their values).
void Append(std::vector<int32_t>& ids, const std::string& text) {
  for (unsigned char c : text) ids.push_back(c);
}

TEST(ChatTemplateTest, SplitImagesCarryRowColumnMarkersAndMultiTurn) {
  testing::TestTokenizer tok;
  const std::vector<Turn> turns = {{Turn::kUser, "a<image>b<image>"},
                                   {Turn::kAssistant, "c"},
                                   {Turn::kUser, "d"},
                                   {Turn::kAssistant, "e"}};
  ChatTemplateOptions o = Options(1, false);
  o.add_bos = false;
  // Image 0 split into 1 x 2 tiles plus the global view; image 1 whole.
  const std::vector<ImageGrid> grids = {{1, 2}, {1, 1}};
  absl::StatusOr<TokenizedSample> t = ApplyChatTemplate(turns, grids, tok, o);
  ASSERT_TRUE(t.ok()) << t.status();
  std::vector<int32_t> want = {kUser, 'a'};
  Append(want, "<row_1_col_1>");
  want.push_back(kImg);
  Append(want, "<row_1_col_2>");
  want.push_back(kImg);
  Append(want, "\n\n<global-img>");
  want.insert(want.end(), {kImg, 'b', kImg, kAsst, 'c', kEos, kUser, 'd', kAsst, 'e', kEos});
  EXPECT_EQ(t->input_ids, want);
  // Markers are never targets: only the assistant's text and EOS are.
  std::vector<int32_t> labels(want.size(), X);
  const size_t c = want.size() - 8;  // position of kAsst before 'c'
  labels[c] = 'c';
  labels[c + 1] = kEos;
  labels[want.size() - 3] = 'e';
  labels[want.size() - 2] = kEos;
  EXPECT_EQ(t->labels, labels);
  EXPECT_EQ(t->image_tensors, 4);
  EXPECT_EQ(grids[0].tensors(), 3);

  o.assistant_only = false;  // still no targets inside the image's tokens
  t = ApplyChatTemplate(turns, grids, tok, o);
  ASSERT_TRUE(t.ok()) << t.status();
  for (size_t i = 1; i + 1 < want.size() && want[i + 1] != 'b'; ++i) {
    EXPECT_EQ(t->labels[i], X) << "position " << i;
  }
}

TEST(ChatTemplateTest, TruncationNeverCutsATileOrItsMarker) {
  testing::TestTokenizer tok;
  ChatTemplateOptions o = Options(1, false);
  const std::vector<ImageGrid> grid = {{2, 1}};
  absl::StatusOr<TokenizedSample> full = ApplyChatTemplate(kCaption, grid, tok, o);
  ASSERT_TRUE(full.ok()) << full.status();
  // BOS, user marker, then "<row_1_col_1>" (13 bytes): a limit inside the first marker fails.
  o.max_length = 8;
  absl::Status s = ApplyChatTemplate(kCaption, grid, tok, o).status();
  EXPECT_TRUE(absl::IsResourceExhausted(s)) << s;
}

TEST(ChatTemplateTest, TextOnlyAndFallbackMarkers) {
  testing::TestTokenizer plain(/*has_special=*/false);
  const std::vector<Turn> turns = {{Turn::kUser, "q"}, {Turn::kAssistant, "a"}};
  absl::StatusOr<TokenizedSample> t = ApplyChatTemplate(turns, kNone, plain, Options(0, false));
  ASSERT_TRUE(t.ok()) << t.status();
  std::string text(t->input_ids.begin(), t->input_ids.end());
  EXPECT_EQ(text, "User: qAssistant: a");  // no BOS/EOS/marker tokens exist
  EXPECT_EQ(t->labels.back(), X);
  EXPECT_EQ(t->labels[t->labels.size() - 2], 'a');
  EXPECT_EQ(PadId(plain), 0);
  EXPECT_EQ(PadId(testing::TestTokenizer()), 300);
}

// A tokenizer whose raw encodings start with BOS gives the template one BOS, its own.
TEST(ChatTemplateTest, BosOfARawEncodingNeverEntersTheTemplate) {
  testing::TestTokenizer tok(/*has_special=*/true, /*add_bos=*/true);
  absl::StatusOr<TokenizedSample> t = ApplyChatTemplate(kCaption, kOne, tok, Options(1, false));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->input_ids,
            (std::vector<int32_t>{kBos, kUser, kImg, 'H', 'i', kAsst, 'o', 'k', kEos}));
}

TEST(ChatTemplateTest, TruncationNeverCutsAnImage) {
  testing::TestTokenizer tok;
  ChatTemplateOptions o = Options(2, true);
  o.max_length = 9;
  absl::StatusOr<TokenizedSample> t = ApplyChatTemplate(kCaption, kOne, tok, o);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->truncated);
  EXPECT_EQ(t->input_ids,
            (std::vector<int32_t>{kBos, kUser, kStart, kImg, kImg, kEnd, 'H', 'i', kAsst}));
  EXPECT_EQ(t->labels, (std::vector<int32_t>{X, X, X, X, X, X, X, X, 'o'}));
  o.max_length = 6;  // the image ends exactly at 6: fits
  EXPECT_TRUE(ApplyChatTemplate(kCaption, kOne, tok, o).ok());
  o.max_length = 5;
  absl::Status s = ApplyChatTemplate(kCaption, kOne, tok, o).status();
  EXPECT_TRUE(absl::IsResourceExhausted(s)) << s;
  EXPECT_THAT(s.message(), ::testing::HasSubstr("max_length 5"));
}

TEST(ChatTemplateTest, Mismatches) {
  testing::TestTokenizer tok;
  EXPECT_FALSE(ApplyChatTemplate(kCaption, kNone, tok, Options(1, false)).ok());
  EXPECT_FALSE(ApplyChatTemplate(kCaption, kTwo, tok, Options(1, false)).ok());
  EXPECT_FALSE(ApplyChatTemplate(kCaption, kOne, tok, Options(0, false)).ok());
  EXPECT_FALSE(ApplyChatTemplate(kCaption, {ImageGrid{0, 1}}, tok, Options(1, false)).ok());
  testing::TestTokenizer plain(/*has_special=*/false);  // has kImage but no delimiters
  absl::Status s = ApplyChatTemplate(kCaption, kOne, plain, Options(1, true)).status();
  EXPECT_THAT(s.message(), ::testing::HasSubstr("image_start/image_end")) << s;
}

}  // namespace
}  // namespace vlmlab::data
