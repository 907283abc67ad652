// Generate() against a hand-made bigram "LLM": the next-token distribution depends only on the
// last token, so every expected token, log-prob and beam score is computed by hand from the
// table below. Checks greedy, stop tokens, max tokens / max length, sampling (determinism,
// frequencies, top-k, top-p, temperature), beam search with its length penalty, the positions
// and masks handed to the LLM and the hook (left padding, KV cache and recompute), and errors.
#include "platform/model/generate.h"

#include <cmath>
#include <memory>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/autograd/grad_mode.h"
#include "platform/base/status_macros.h"
#include "platform/ops/matmul_ops.h"

namespace vlmlab {
namespace {

constexpr int kVocab = 5;
// P(next | last): rows are the last token.
const float kTable[kVocab][kVocab] = {
    {0.10f, 0.45f, 0.35f, 0.05f, 0.05f},    {0.10f, 0.10f, 0.30f, 0.00001f, 0.49999f},
    {0.025f, 0.025f, 0.025f, 0.9f, 0.025f}, {0.0001f, 0.5997f, 0.0001f, 0.0001f, 0.4f},
    {0.2f, 0.2f, 0.2f, 0.2f, 0.2f},
};

struct Call {
  std::vector<int32_t> positions, mask;
  Shape shape;
  int64_t cached = -1;  // cache length before the call; -1 without a cache
  bool training = false, grad = false;
};

// Embed: one-hot rows; Run: identity (records its inputs); Logits: log kTable[last token].
class BigramLlm : public Llm {
 public:
  explicit BigramLlm(int64_t max_seq_len = 64) : max_seq_len_(max_seq_len) {
    std::vector<float> log_table;
    for (const auto& row : kTable) {
      for (float p : row) log_table.push_back(std::log(p));
    }
    log_table_ = Tensor::FromVector({kVocab, kVocab}, log_table);
  }
  LlmShape Shape() const override { return {kVocab, 1, 1, 1, kVocab, max_seq_len_}; }
  absl::Status Build(int64_t) override { return absl::OkStatus(); }
  absl::StatusOr<Tensor> Embed(const Tensor& ids) override {
    std::vector<int32_t> v = ids.ToInts();
    std::vector<float> h(v.size() * kVocab, 0.0f);
    for (size_t i = 0; i < v.size(); ++i) h[i * kVocab + v[i]] = 1.0f;
    return Tensor::FromVector({ids.size(0), ids.size(1), kVocab}, h);
  }
  absl::StatusOr<Tensor> Run(const LlmInputs& in) override {
    Call c;
    c.positions = in.positions.ToInts();
    c.mask = in.key_padding_mask.ToInts();
    c.shape = in.embeddings.shape();
    c.training = is_training();
    c.grad = GradMode::enabled();
    if (in.cache != nullptr) {
      c.cached = in.cache->length;
      in.cache->length += in.embeddings.size(1);
    }
    calls.push_back(c);
    Tensor h = in.embeddings;
    if (in.hook != nullptr) {
      VLMLAB_ASSIGN_OR_RETURN(h, (*in.hook)(0, h, in.positions));
    }
    return h;
  }
  absl::StatusOr<Tensor> Logits(const Tensor& h) override {
    return ops::Matmul(h.Contiguous(), log_table_);  // one-hot rows pick log P(. | last)
  }
  std::unique_ptr<KvCache> NewCache(int64_t, int64_t) const override {
    return std::make_unique<KvCache>();
  }
  Flops ForwardFlops(int64_t) const override { return 0; }

  std::vector<Call> calls;

 private:
  int64_t max_seq_len_;
  Tensor log_table_;
};

// One-hot prefixes of token ids, with a mask (0 = padding; its one-hot row is token 4).
Tensor Prefix(const std::vector<std::vector<int32_t>>& ids) {
  std::vector<float> h;
  for (const auto& row : ids) {
    for (int32_t id : row) {
      for (int v = 0; v < kVocab; ++v) h.push_back(v == id ? 1.0f : 0.0f);
    }
  }
  return Tensor::FromVector(
      {static_cast<int64_t>(ids.size()), static_cast<int64_t>(ids[0].size()), kVocab}, h);
}

float LogP(int last, int next) { return std::log(kTable[last][next]); }

TEST(Generate, GreedyFollowsTheMostLikelyTokensUntilAStopToken) {
  BigramLlm llm;
  GenerationOptions o;
  o.max_new_tokens = 10;
  o.stop_token_ids = {4};
  auto out = Generate(llm, Prefix({{3, 0}}), Tensor(), nullptr, o);
  ASSERT_TRUE(out.ok()) << out.status();
  const GeneratedSequence& g = (*out)[0];
  EXPECT_EQ(g.tokens, (std::vector<int32_t>{1}));  // 0 -> 1 (0.45) -> 4 (0.5, stop)
  ASSERT_EQ(g.log_probs.size(), 1u);
  EXPECT_NEAR(g.log_probs[0], LogP(0, 1), 1e-5);
  EXPECT_EQ(g.finish, FinishReason::kStopToken);
  EXPECT_EQ(g.stop_token, 4);
  EXPECT_NEAR(g.stop_log_prob, LogP(1, 4), 1e-5);
  EXPECT_NEAR(g.score, LogP(0, 1) + LogP(1, 4), 1e-5);
}

TEST(Generate, MaxTokensWithoutStopTokens) {
  BigramLlm llm;
  GenerationOptions o;
  o.max_new_tokens = 4;
  auto out = Generate(llm, Prefix({{0}}), Tensor(), nullptr, o);
  ASSERT_TRUE(out.ok()) << out.status();
  // 0 -> 1 -> 4 -> 0 (first of the tied 0.2s) -> 1
  EXPECT_EQ((*out)[0].tokens, (std::vector<int32_t>{1, 4, 0, 1}));
  EXPECT_EQ((*out)[0].finish, FinishReason::kMaxTokens);
  EXPECT_EQ((*out)[0].stop_token, -1);
  EXPECT_STREQ(FinishReasonName((*out)[0].finish), "max_tokens");
}

TEST(Generate, StopsWhenTheContextIsFull) {
  BigramLlm llm(/*max_seq_len=*/5);
  GenerationOptions o;
  o.max_new_tokens = 10;
  auto out = Generate(llm, Prefix({{2, 2, 0}}), Tensor(), nullptr, o);
  ASSERT_TRUE(out.ok()) << out.status();
  // Positions 3 and 4 take the first two new tokens; the third would need position 5.
  EXPECT_EQ((*out)[0].tokens.size(), 3u);
  EXPECT_EQ((*out)[0].finish, FinishReason::kMaxLength);
  for (const Call& c : llm.calls) {
    for (int32_t p : c.positions) EXPECT_LT(p, 5);
  }
}

TEST(Generate, LeftPaddingPositionsMasksAndHookWithTheCache) {
  BigramLlm llm;
  std::vector<std::vector<int32_t>> hook_positions;
  LayerHook hook = [&](int layer, const Tensor& h, const Tensor& pos) -> absl::StatusOr<Tensor> {
    EXPECT_EQ(layer, 0);
    hook_positions.push_back(pos.ToInts());
    return h;
  };
  GenerationOptions o;
  o.max_new_tokens = 3;
  o.stop_token_ids = {4};
  llm.SetTraining(true);
  // Sample 0: "0" after two pads -> 1, then stop. Sample 1: "2 2 2" -> 3 -> 1 -> stop.
  Tensor mask = Tensor::FromInts({2, 3}, {0, 0, 1, 1, 1, 1});
  auto out = Generate(llm, Prefix({{4, 4, 0}, {2, 2, 2}}), mask, &hook, o);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].tokens, (std::vector<int32_t>{1}));
  EXPECT_EQ((*out)[0].finish, FinishReason::kStopToken);
  EXPECT_EQ((*out)[1].tokens, (std::vector<int32_t>{3, 1}));
  EXPECT_EQ((*out)[1].finish, FinishReason::kStopToken);
  ASSERT_EQ(llm.calls.size(), 3u);  // prefill, then two single-token steps
  EXPECT_EQ(llm.calls[0].positions, (std::vector<int32_t>{0, 0, 0, 0, 1, 2}));
  EXPECT_EQ(llm.calls[0].cached, 0);
  EXPECT_EQ(llm.calls[1].positions, (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(llm.calls[1].mask, (std::vector<int32_t>{0, 0, 1, 1, 1, 1, 1, 1}));
  EXPECT_EQ(llm.calls[1].cached, 3);
  EXPECT_EQ(llm.calls[1].shape, (Shape{2, 1, kVocab}));
  // Sample 0 finished: it is fed a masked-out dummy.
  EXPECT_EQ(llm.calls[2].positions, (std::vector<int32_t>{0, 4}));
  EXPECT_EQ(llm.calls[2].mask, (std::vector<int32_t>{0, 0, 1, 1, 0, 1, 1, 1, 1, 1}));
  EXPECT_EQ(hook_positions.size(), 3u);
  EXPECT_EQ(hook_positions[1], (std::vector<int32_t>{1, 3}));
  for (const Call& c : llm.calls) {
    EXPECT_FALSE(c.training);
    EXPECT_FALSE(c.grad);
  }
  EXPECT_TRUE(llm.is_training());  // restored
}

TEST(Generate, RecomputeFeedsTheWholeSequenceAndAgreesWithTheCache) {
  BigramLlm cached, full;
  GenerationOptions o;
  o.max_new_tokens = 3;
  o.stop_token_ids = {4};
  Tensor mask = Tensor::FromInts({2, 3}, {0, 0, 1, 1, 1, 1});
  Tensor prefix = Prefix({{4, 4, 0}, {2, 2, 2}});
  auto a = Generate(cached, prefix, mask, nullptr, o);
  o.use_cache = false;
  auto b = Generate(full, prefix, mask, nullptr, o);
  ASSERT_TRUE(a.ok() && b.ok());
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ((*a)[i].tokens, (*b)[i].tokens);
    EXPECT_EQ((*a)[i].log_probs, (*b)[i].log_probs);
  }
  ASSERT_EQ(full.calls.size(), 3u);
  EXPECT_EQ(full.calls[2].positions, (std::vector<int32_t>{0, 0, 0, 1, 0, 0, 1, 2, 3, 4}));
  EXPECT_EQ(full.calls[2].mask, (std::vector<int32_t>{0, 0, 1, 1, 0, 1, 1, 1, 1, 1}));
  EXPECT_EQ(full.calls[2].cached, -1);
}

// 2000 one-token samples from "0": each sample index draws its own uniform.
std::vector<double> Frequencies(const GenerationOptions& o) {
  BigramLlm llm;
  const int n = 2000;
  auto out = Generate(llm, Prefix(std::vector<std::vector<int32_t>>(n, {0})), Tensor(), nullptr, o);
  CHECK(out.ok()) << out.status();
  std::vector<double> f(kVocab, 0.0);
  for (const auto& g : *out) f[g.tokens[0]] += 1.0 / n;
  return f;
}

TEST(Generate, SamplingFrequenciesFollowTheFilteredDistribution) {
  GenerationOptions o;
  o.sample = true;
  o.max_new_tokens = 1;
  o.seed = 5;
  std::vector<double> f = Frequencies(o);
  for (int v = 0; v < kVocab; ++v) EXPECT_NEAR(f[v], kTable[0][v], 0.03) << v;
  o.top_k = 2;  // tokens 1 and 2, renormalised
  f = Frequencies(o);
  EXPECT_NEAR(f[1], 0.45 / 0.8, 0.03);
  EXPECT_NEAR(f[2], 0.35 / 0.8, 0.03);
  EXPECT_EQ(f[0] + f[3] + f[4], 0.0);
  o.top_k = 0;
  o.top_p = 0.85f;  // 0.45 + 0.35 = 0.8 < 0.85: adds token 0 (0.1)
  f = Frequencies(o);
  EXPECT_NEAR(f[0], 0.1 / 0.9, 0.03);
  EXPECT_NEAR(f[1], 0.45 / 0.9, 0.03);
  EXPECT_EQ(f[3] + f[4], 0.0);
  o.top_p = 1;
  o.temperature = 0.5f;  // p^2 renormalised
  f = Frequencies(o);
  double z = 0;
  for (float p : kTable[0]) z += p * p;
  for (int v = 0; v < kVocab; ++v) EXPECT_NEAR(f[v], kTable[0][v] * kTable[0][v] / z, 0.03) << v;
}

TEST(Generate, SamplingIsDeterministicPerSeedAndTopK1IsGreedy) {
  GenerationOptions o;
  o.sample = true;
  o.max_new_tokens = 20;
  o.seed = 1;
  BigramLlm llm;
  Tensor prefix = Prefix({{0}, {3}});
  auto a = Generate(llm, prefix, Tensor(), nullptr, o);
  auto b = Generate(llm, prefix, Tensor(), nullptr, o);
  o.seed = 2;
  auto c = Generate(llm, prefix, Tensor(), nullptr, o);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ((*a)[0].tokens, (*b)[0].tokens);
  EXPECT_EQ((*a)[1].tokens, (*b)[1].tokens);
  EXPECT_NE((*a)[0].tokens, (*c)[0].tokens);

  GenerationOptions greedy;
  greedy.max_new_tokens = 20;
  auto g = Generate(llm, prefix, Tensor(), nullptr, greedy);
  o.top_k = 1;
  auto k1 = Generate(llm, prefix, Tensor(), nullptr, o);
  o.top_k = 0;
  o.top_p = 0.01f;
  auto p = Generate(llm, prefix, Tensor(), nullptr, o);
  ASSERT_TRUE(g.ok() && k1.ok() && p.ok());
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ((*k1)[i].tokens, (*g)[i].tokens);
    EXPECT_EQ((*p)[i].tokens, (*g)[i].tokens);
    EXPECT_EQ((*k1)[i].log_probs, (*g)[i].log_probs);
  }
}

TEST(Generate, BeamSearchFindsTheLikelierPairGreedyMisses) {
  BigramLlm llm;
  GenerationOptions o;
  o.max_new_tokens = 2;
  auto greedy = Generate(llm, Prefix({{0}}), Tensor(), nullptr, o);
  o.num_beams = 2;
  auto beam = Generate(llm, Prefix({{0}}), Tensor(), nullptr, o);
  ASSERT_TRUE(greedy.ok() && beam.ok()) << beam.status();
  EXPECT_EQ((*greedy)[0].tokens, (std::vector<int32_t>{1, 4}));  // 0.45 * 0.5 = 0.225
  EXPECT_EQ((*beam)[0].tokens, (std::vector<int32_t>{2, 3}));    // 0.35 * 0.9 = 0.315
  EXPECT_NEAR((*beam)[0].score, std::log(0.35 * 0.9) / 2, 1e-5);
  EXPECT_NEAR((*beam)[0].log_probs[1], LogP(2, 3), 1e-5);
  EXPECT_EQ((*beam)[0].finish, FinishReason::kMaxTokens);
}

TEST(Generate, BeamLengthPenaltyChoosesBetweenShortAndLongAnswers) {
  // From "3": stop at once (0.4), or "1" then stop (0.6 * 0.5 = 0.3).
  BigramLlm llm;
  GenerationOptions o;
  o.max_new_tokens = 5;
  o.stop_token_ids = {4};
  o.num_beams = 2;
  o.length_penalty = 0;  // raw sums: the short answer
  auto short_answer = Generate(llm, Prefix({{3}, {3}}), Tensor(), nullptr, o);
  o.length_penalty = 1;  // per-token average: the long one
  auto long_answer = Generate(llm, Prefix({{3}}), Tensor(), nullptr, o);
  ASSERT_TRUE(short_answer.ok() && long_answer.ok());
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE((*short_answer)[i].tokens.empty());
    EXPECT_EQ((*short_answer)[i].stop_token, 4);
    EXPECT_NEAR((*short_answer)[i].score, LogP(3, 4), 1e-5);
  }
  EXPECT_EQ((*long_answer)[0].tokens, (std::vector<int32_t>{1}));
  EXPECT_EQ((*long_answer)[0].finish, FinishReason::kStopToken);
  EXPECT_NEAR((*long_answer)[0].score, (LogP(3, 1) + LogP(1, 4)) / 2, 1e-5);
}

TEST(Generate, ErrorsNameTheArgument) {
  BigramLlm llm;
  GenerationOptions o;
  auto message = [&](const Tensor& prefix, const Tensor& mask, const GenerationOptions& opt) {
    auto out = Generate(llm, prefix, mask, nullptr, opt);
    return out.ok() ? std::string("ok") : std::string(out.status().message());
  };
  Tensor prefix = Prefix({{0, 1}});
  EXPECT_NE(message(prefix, Tensor::FromInts({1, 2}, {1, 0}), o).find("pad prefixes on the left"),
            std::string::npos);
  EXPECT_NE(message(prefix, Tensor::FromInts({1, 2}, {0, 0}), o).find("no real token"),
            std::string::npos);
  EXPECT_NE(message(prefix, Tensor::FromInts({2, 2}, {1, 1, 1, 1}), o).find("prefix_mask"),
            std::string::npos);
  EXPECT_THAT(message(Tensor::RandN({1, 2, 3}, 1), Tensor(), o), ::testing::HasSubstr("prefix"));
  GenerationOptions bad = o;
  bad.max_new_tokens = 0;
  EXPECT_THAT(message(prefix, Tensor(), bad), ::testing::HasSubstr("max_new_tokens"));
  bad = o;
  bad.sample = true;
  bad.temperature = 0;
  EXPECT_THAT(message(prefix, Tensor(), bad), ::testing::HasSubstr("temperature"));
  bad = o;
  bad.top_p = 0;
  EXPECT_THAT(message(prefix, Tensor(), bad), ::testing::HasSubstr("top_p"));
  bad = o;
  bad.num_beams = 2;
  bad.sample = true;
  EXPECT_THAT(message(prefix, Tensor(), bad), ::testing::HasSubstr("beam search is greedy only"));
}

}  // namespace
}  // namespace vlmlab
