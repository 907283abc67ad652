// KV-cache decoding of the llama and gpt2 plugins on the production CPU kernels: every step's
// logits with the cache equal a full recompute (within 1e-5) and the greedy tokens are the
// same, for a batch of prompts of different lengths with left padding; Generate() with and
// without the cache, batched or one prompt at a time, with a position-dependent layer hook;
// the cache's errors.
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernels/cpu/threads.h"
#include "platform/autograd/grad_mode.h"
#include "platform/base/status_macros.h"
#include "platform/model/generate.h"
#include "platform/ops/shape_ops.h"
#include "plugins/llms/llm_test_util.h"

namespace vlmlab::llms {
namespace {

// One thread: the tensors are tiny, and OpenMP threads competing for a busy machine's cores
// made this test 50 times slower.
class OneThread : public ::testing::Environment {
 public:
  void SetUp() override { SetCpuThreads(1); }
};
::testing::Environment* const kOneThread = ::testing::AddGlobalTestEnvironment(new OneThread);

using testing::BuiltGpt2;
using testing::BuiltLlama;
using testing::kVocab;
using testing::TinyGpt2Options;
using testing::TinyLlamaOptions;

struct Maker {
  const char* name;
  std::function<std::unique_ptr<Llm>()> make;
};

std::vector<Maker> Makers() {
  return {{"llama", [] { return BuiltLlama(TinyLlamaOptions(/*tie=*/false)); }},
          {"llama_tied", [] { return BuiltLlama(TinyLlamaOptions(/*tie=*/true), 8); }},
          {"gpt2", [] { return BuiltGpt2(TinyGpt2Options()); }}};
}

// Three prompts of 5, 3 and 1 tokens, left-padded with id 0.
const std::vector<std::vector<int32_t>> kPrompts = {{3, 1, 4, 1, 5}, {9, 2, 6}, {5}};
constexpr int64_t kWidth = 5;

struct Padded {
  Tensor ids, mask, positions;
  std::vector<int64_t> real;
};

Padded Pad(const std::vector<std::vector<int32_t>>& prompts) {
  const int64_t b_n = prompts.size();
  std::vector<int32_t> ids(b_n * kWidth, 0), mask(b_n * kWidth, 0), pos(b_n * kWidth, 0);
  Padded p;
  for (int64_t b = 0; b < b_n; ++b) {
    const int64_t n = prompts[b].size(), pad = kWidth - n;
    for (int64_t i = 0; i < n; ++i) {
      ids[b * kWidth + pad + i] = prompts[b][i];
      mask[b * kWidth + pad + i] = 1;
      pos[b * kWidth + pad + i] = static_cast<int32_t>(i);
    }
    p.real.push_back(n);
  }
  p.ids = Tensor::FromInts({b_n, kWidth}, ids);
  p.mask = Tensor::FromInts({b_n, kWidth}, mask);
  p.positions = Tensor::FromInts({b_n, kWidth}, pos);
  return p;
}

// Adds 0.05 * position * (channel + 1) / H to the stream before every block except the first:
// a stand-in for a fusion hook that depends on absolute positions.
LayerHook PositionHook(std::vector<std::vector<int32_t>>* seen = nullptr) {
  return [seen](int layer, const Tensor& h, const Tensor& pos) -> absl::StatusOr<Tensor> {
    if (seen != nullptr) seen->push_back(pos.ToInts());
    if (layer == 0) return h;
    std::vector<float> v = h.Contiguous().ToVector();
    std::vector<int32_t> p = pos.ToInts();
    const int64_t c_n = h.size(2);
    for (size_t i = 0; i < v.size(); ++i) {
      v[i] += 0.05f * p[i / c_n] * static_cast<float>(i % c_n + 1) / c_n;
    }
    return Tensor::FromVector(h.shape(), v);
  };
}

int32_t Argmax(const std::vector<float>& row) {
  return static_cast<int32_t>(std::max_element(row.begin(), row.end()) - row.begin());
}

TEST(LlmKvCache, EveryStepMatchesAFullRecompute) {
  for (const Maker& maker : Makers()) {
    SCOPED_TRACE(maker.name);
    std::unique_ptr<Llm> llm = maker.make();
    llm->SetTraining(false);
    NoGradScope no_grad;
    LayerHook hook = PositionHook();
    Padded p = Pad(kPrompts);
    const int64_t b_n = 3, steps = 6;
    std::unique_ptr<KvCache> cache = llm->NewCache(b_n, kWidth + steps);
    ASSERT_NE(cache, nullptr);
    std::vector<int32_t> all_ids = p.ids.ToInts(), all_mask = p.mask.ToInts(),
                         all_pos = p.positions.ToInts();
    Tensor step_ids = p.ids, step_pos = p.positions;
    for (int64_t s = 0; s <= steps; ++s) {
      const int64_t len = kWidth + s;
      // With the cache: only the new tokens.
      LlmInputs in;
      in.embeddings = llm->Embed(step_ids).value();
      in.positions = step_pos;
      in.key_padding_mask = Tensor::FromInts({b_n, len}, all_mask);
      in.cache = cache.get();
      in.hook = &hook;
      absl::StatusOr<Tensor> h = llm->Run(in);
      ASSERT_TRUE(h.ok()) << h.status();
      EXPECT_EQ(cache->length, len);
      const int64_t t = h->size(1);
      std::vector<float> cached = llm->Logits(ops::Slice(*h, 1, t - 1, t).value())->ToVector();
      // Recompute: the whole sequence.
      LlmInputs full;
      full.embeddings = llm->Embed(Tensor::FromInts({b_n, len}, all_ids)).value();
      full.positions = Tensor::FromInts({b_n, len}, all_pos);
      full.key_padding_mask = in.key_padding_mask;
      full.hook = &hook;
      Tensor hf = llm->Run(full).value();
      std::vector<float> want = llm->Logits(ops::Slice(hf, 1, len - 1, len).value())->ToVector();
      ASSERT_EQ(cached.size(), want.size());
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_NEAR(cached[i], want[i], 1e-5) << "step " << s << " element " << i;
      }
      // Greedy tokens from both, then append them.
      std::vector<int32_t> next(b_n), next_pos(b_n);
      std::vector<int32_t> ids2, mask2, pos2;
      for (int64_t b = 0; b < b_n; ++b) {
        std::vector<float> row_c(cached.begin() + b * kVocab, cached.begin() + (b + 1) * kVocab);
        std::vector<float> row_w(want.begin() + b * kVocab, want.begin() + (b + 1) * kVocab);
        next[b] = Argmax(row_w);
        EXPECT_EQ(Argmax(row_c), next[b]) << "step " << s << " sample " << b;
        next_pos[b] = static_cast<int32_t>(p.real[b] + s);
        for (int64_t i = 0; i < len; ++i) {
          ids2.push_back(all_ids[b * len + i]);
          mask2.push_back(all_mask[b * len + i]);
          pos2.push_back(all_pos[b * len + i]);
        }
        ids2.push_back(next[b]);
        mask2.push_back(1);
        pos2.push_back(next_pos[b]);
      }
      all_ids = ids2;
      all_mask = mask2;
      all_pos = pos2;
      step_ids = Tensor::FromInts({b_n, 1}, next);
      step_pos = Tensor::FromInts({b_n, 1}, next_pos);
    }
  }
}

TEST(LlmKvCache, GenerateWithTheCacheEqualsRecomputeAndBatchingEqualsAlone) {
  for (const Maker& maker : Makers()) {
    SCOPED_TRACE(maker.name);
    std::unique_ptr<Llm> llm = maker.make();
    LayerHook hook = PositionHook();
    Padded p = Pad(kPrompts);
    Tensor prefix;
    {
      NoGradScope no_grad;
      prefix = llm->Embed(p.ids).value();
    }
    for (bool sample : {false, true}) {
      GenerationOptions o;
      o.max_new_tokens = 8;
      o.stop_token_ids = {10};
      o.sample = sample;
      o.temperature = 0.8f;
      o.top_k = 4;
      o.seed = 3;
      auto cached = Generate(*llm, prefix, p.mask, &hook, o);
      o.use_cache = false;
      auto full = Generate(*llm, prefix, p.mask, &hook, o);
      ASSERT_TRUE(cached.ok()) << cached.status();
      ASSERT_TRUE(full.ok()) << full.status();
      for (int b = 0; b < 3; ++b) {
        const GeneratedSequence &c = (*cached)[b], &f = (*full)[b];
        EXPECT_EQ(c.tokens, f.tokens) << "sample " << b;
        EXPECT_EQ(c.finish, f.finish);
        ASSERT_EQ(c.log_probs.size(), f.log_probs.size());
        for (size_t i = 0; i < c.log_probs.size(); ++i) {
          EXPECT_NEAR(c.log_probs[i], f.log_probs[i], 1e-5);
        }
      }
      if (sample) continue;
      // Each prompt alone (no padding) generates the same greedy tokens.
      o.use_cache = true;
      for (int b = 0; b < 3; ++b) {
        Padded one = Pad({kPrompts[b]});
        const int64_t pad = kWidth - kPrompts[b].size();
        Tensor ids = ops::Slice(one.ids, 1, pad, kWidth).value().Contiguous();
        Tensor x;
        {
          NoGradScope no_grad;
          x = llm->Embed(ids).value();
        }
        auto alone = Generate(*llm, x, Tensor(), &hook, o);
        ASSERT_TRUE(alone.ok()) << alone.status();
        EXPECT_EQ((*alone)[0].tokens, (*cached)[b].tokens) << "sample " << b;
      }
    }
  }
}

TEST(LlmKvCache, HookSeesAbsolutePositionsOfDecodeSteps) {
  std::unique_ptr<Llm> llm = BuiltLlama(TinyLlamaOptions());
  std::vector<std::vector<int32_t>> seen;
  LayerHook hook = PositionHook(&seen);
  Padded p = Pad({{3, 1, 4}, {2}});
  Tensor prefix;
  {
    NoGradScope no_grad;
    prefix = llm->Embed(p.ids).value();
  }
  GenerationOptions o;
  o.max_new_tokens = 3;
  ASSERT_TRUE(Generate(*llm, prefix, p.mask, &hook, o).ok());
  ASSERT_EQ(seen.size(), 3u * 2);  // prefill and two decode steps, before each of 2 blocks
  EXPECT_EQ(seen[0], (std::vector<int32_t>{0, 0, 0, 1, 2, 0, 0, 0, 0, 0}));
  EXPECT_EQ(seen[2], (std::vector<int32_t>{3, 1}));
  EXPECT_EQ(seen[4], (std::vector<int32_t>{4, 2}));
}

TEST(LlmKvCache, CacheErrors) {
  std::unique_ptr<Llm> llm = BuiltLlama(TinyLlamaOptions()), other = BuiltLlama(TinyLlamaOptions());
  std::unique_ptr<KvCache> cache = llm->NewCache(1, 4);
  LlmInputs in;
  in.embeddings = Tensor::RandN({1, 3, 16}, 1);
  in.cache = cache.get();
  absl::StatusOr<Tensor> grad = llm->Run(in);
  ASSERT_FALSE(grad.ok());
  EXPECT_THAT(grad.status().message(), ::testing::HasSubstr("NoGradScope")) << grad.status();
  EXPECT_EQ(cache->length, 0);  // a failed step does not advance the cache
  NoGradScope no_grad;
  ASSERT_TRUE(llm->Run(in).ok());
  EXPECT_EQ(cache->length, 3);
  absl::StatusOr<Tensor> full = llm->Run(in);
  ASSERT_FALSE(full.ok());
  EXPECT_THAT(full.status().message(), ::testing::HasSubstr("exceed the KV cache's max_len 4"))
      << full.status();
  std::unique_ptr<KvCache> foreign = other->NewCache(1, 4);
  in.cache = foreign.get();
  absl::StatusOr<Tensor> wrong = llm->Run(in);
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.status().message(), ::testing::HasSubstr("not made by this model"));
  in.cache = cache.get();
  in.embeddings = Tensor::RandN({2, 1, 16}, 1);
  EXPECT_FALSE(llm->Run(in).ok());  // batch 2, cache 1
  EXPECT_EQ(llm->NewCache(0, 4), nullptr);
}

}  // namespace
}  // namespace vlmlab::llms
