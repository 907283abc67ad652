// Generation and scoring with in-context turns (k-shot) on a tiny built-in model.
#include "platform/eval/eval_batches.h"

#include <cmath>

#include "absl/strings/match.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "platform/registry/global_registries.h"

namespace vlmlab::eval {
namespace {

std::unique_ptr<VlmModel> TinyModel(int max_seq_len) {
  Model spec;
  CHECK(google::protobuf::TextFormat::ParseFromString(
      absl::StrCat(R"pb(
        encoder { conv { image_size: 16 width: 8 stages: 2 blocks_per_stage: 1 } }
        projector { avg_pool { kernel: 2 } }
        fusion { self_attention { image_delimiters: false max_images_per_sample: 3 } }
        tokenizer { byte {} }
        llm { llama { hidden: 32 layers: 1 heads: 2 max_seq_len: )pb",
                   max_seq_len, " } }"),
      &spec));
  absl::StatusOr<std::unique_ptr<VlmModel>> m = BuildVlm(spec, GlobalRegistries(), 3);
  CHECK(m.ok()) << m.status();
  return std::move(*m);
}

Sample WithImages(int n, uint8_t shade) {
  Sample s;
  s.key = absl::StrCat("s", static_cast<int>(shade));
  for (int i = 0; i < n; ++i) {
    Image im(16, 16, 3);
    for (size_t p = 0; p < im.pixels.size(); ++p) im.pixels[p] = static_cast<uint8_t>(shade + i * 40 + p);
    s.images.push_back(im);
  }
  return s;
}

TEST(EvalBatchesTest, ScoresOnlyTheFinalReplyAfterDemonstrations) {
  std::unique_ptr<VlmModel> model = TinyModel(256);
  // The query's images: one demonstration image, then its own.
  std::vector<Sample> samples = {WithImages(2, 10)};
  Contexts contexts = {{{Turn::kUser, "<image>What is it? A:"},
                        {Turn::kAssistant, "a very long demonstration answer"}}};
  std::vector<std::string> prompts = {"<image>What is this? A:"};
  std::vector<std::vector<std::string>> candidates = {{"red", "green cube"}};
  absl::StatusOr<std::vector<std::vector<double>>> sum =
      ScoreReplies(*model, samples, prompts, candidates, 4, /*per_token=*/false, contexts);
  absl::StatusOr<std::vector<std::vector<double>>> mean =
      ScoreReplies(*model, samples, prompts, candidates, 4, /*per_token=*/true, contexts);
  ASSERT_TRUE(sum.ok()) << sum.status();
  ASSERT_TRUE(mean.ok()) << mean.status();
  // Byte tokenizer: a reply of n bytes has n tokens plus EOS; the demonstration's answer
  // (33 tokens) must not count.
  for (size_t j = 0; j < 2; ++j) {
    const double tokens = candidates[0][j].size() + 1;
    EXPECT_NEAR((*sum)[0][j] / (*mean)[0][j], tokens, 1e-3) << candidates[0][j];
    EXPECT_LT((*sum)[0][j], 0);
  }
}

TEST(EvalBatchesTest, GeneratesAfterDemonstrationsAndRefusesPromptsThatDoNotFit) {
  std::unique_ptr<VlmModel> model = TinyModel(256);
  std::vector<Sample> samples = {WithImages(2, 10), WithImages(2, 90)};
  Contexts contexts(2, {{Turn::kUser, "<image>Q? A:"}, {Turn::kAssistant, "yes"}});
  std::vector<std::string> prompts(2, "<image>Q? A:");
  GenerationSpec g;
  g.set_max_new_tokens(3);
  absl::StatusOr<std::vector<std::string>> a =
      GenerateReplies(*model, samples, prompts, g, 2, 0, contexts);
  absl::StatusOr<std::vector<std::string>> b =
      GenerateReplies(*model, samples, prompts, g, 1, 0, contexts);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(*a, *b) << "batching does not change the replies";

  // Placeholders for more images than the sample has are an error, not a silent mismatch.
  std::vector<Sample> one_image = {WithImages(1, 10)};
  EXPECT_FALSE(GenerateReplies(*model, one_image, {"<image>Q? A:"}, g, 1, 0,
                               Contexts{contexts[0]})
                   .ok());

  // A context too long for the model's 52 tokens (its images fit) is refused, never cut.
  std::unique_ptr<VlmModel> short_model = TinyModel(52);
  Contexts long_context = {{{Turn::kUser, "<image>Q? A:"},
                            {Turn::kAssistant, std::string(30, 'x')}}};
  absl::StatusOr<std::vector<std::string>> cut = GenerateReplies(
      *short_model, {samples[0]}, {prompts[0]}, g, 1, 0, long_context);
  ASSERT_FALSE(cut.ok());
  EXPECT_TRUE(absl::StrContains(cut.status().message(), "max_seq_len of 52"))
      << cut.status().message();
}

// GenerateReplies and ScoreReplies report each batch to the innermost ProgressScope.
TEST(EvalBatchesTest, BatchesReportToTheInnermostProgressScope) {
  std::unique_ptr<VlmModel> model = TinyModel(256);
  std::vector<Sample> samples = {WithImages(1, 10), WithImages(1, 50), WithImages(1, 90)};
  std::vector<std::string> prompts(3, "<image>Q? A:");
  GenerationSpec g;
  g.set_max_new_tokens(2);
  std::vector<std::pair<int64_t, int64_t>> outer, inner;
  ProgressScope outer_scope([&](int64_t d, int64_t t) { outer.push_back({d, t}); });
  {
    ProgressScope inner_scope([&](int64_t d, int64_t t) { inner.push_back({d, t}); });
    ASSERT_TRUE(GenerateReplies(*model, samples, prompts, g, 2, 0).ok());
  }
  EXPECT_EQ(inner, (std::vector<std::pair<int64_t, int64_t>>{{2, 3}, {3, 3}}));
  EXPECT_TRUE(outer.empty());
  ASSERT_TRUE(ScoreReplies(*model, samples, prompts, {{"a", "b"}, {"c"}, {"d"}}, 3, false).ok());
  // Four (sample, candidate) pairs in batches of 3.
  EXPECT_EQ(outer, (std::vector<std::pair<int64_t, int64_t>>{{3, 4}, {4, 4}}));
}

}  // namespace
}  // namespace vlmlab::eval
