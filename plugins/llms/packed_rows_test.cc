// Packed rows (LlmInputs::segment_ids) in the decoder stack of llama and gpt2: two sequences
// packed into one row, with positions restarting at 0, give each token the logits of its
// sequence run alone; segment ids are checked and refused with a KV cache.
#include <cmath>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "platform/autograd/grad_mode.h"
#include "plugins/llms/llm_test_util.h"

namespace vlmlab::llms {
namespace {

using testing::BuiltGpt2;
using testing::BuiltLlama;
using testing::TinyGpt2Options;
using testing::TinyLlamaOptions;

absl::StatusOr<Tensor> Logits(Llm& llm, const std::vector<int32_t>& ids,
                              const std::vector<int32_t>& positions,
                              const std::vector<int32_t>& segments) {
  const int64_t t = static_cast<int64_t>(ids.size());
  VLMLAB_ASSIGN_OR_RETURN(Tensor x, llm.Embed(Tensor::FromInts({1, t}, ids)));
  LlmInputs in;
  in.embeddings = x;
  in.positions = Tensor::FromInts({1, t}, positions);
  if (!segments.empty()) in.segment_ids = Tensor::FromInts({1, t}, segments);
  VLMLAB_ASSIGN_OR_RETURN(Tensor h, llm.Run(in));
  return llm.Logits(h);
}

void ExpectPackedEqualsAlone(Llm& llm) {
  const std::vector<int32_t> a = {1, 5, 2, 7, 3}, b = {4, 4, 9, 0};
  std::vector<int32_t> ids = a, pos, seg;
  ids.insert(ids.end(), b.begin(), b.end());
  for (size_t i = 0; i < a.size(); ++i) pos.push_back(i), seg.push_back(0);
  for (size_t i = 0; i < b.size(); ++i) pos.push_back(i), seg.push_back(1);
  absl::StatusOr<Tensor> packed = Logits(llm, ids, pos, seg);
  ASSERT_TRUE(packed.ok()) << packed.status();
  std::vector<float> got = packed->ToVector(), want;
  for (const std::vector<int32_t>* s : {&a, &b}) {
    std::vector<int32_t> p(s->size());
    for (size_t i = 0; i < p.size(); ++i) p[i] = i;
    absl::StatusOr<Tensor> alone = Logits(llm, *s, p, {});
    ASSERT_TRUE(alone.ok()) << alone.status();
    for (float x : alone->ToVector()) want.push_back(x);
  }
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], 1e-4 * (1 + std::abs(want[i]))) << i;
  }
  // The control: without segment ids the second sequence sees the first.
  absl::StatusOr<Tensor> leaky = Logits(llm, ids, pos, {});
  ASSERT_TRUE(leaky.ok());
  double worst = 0;
  std::vector<float> l = leaky->ToVector();
  for (size_t i = 0; i < l.size(); ++i) worst = std::max(worst, double{std::abs(l[i] - want[i])});
  EXPECT_GT(worst, 1e-2);
}

TEST(PackedRows, LlamaTokensSeeOnlyTheirOwnSequence) {
  std::unique_ptr<Llm> llm = BuiltLlama(TinyLlamaOptions());
  ExpectPackedEqualsAlone(*llm);
}

TEST(PackedRows, Gpt2TokensSeeOnlyTheirOwnSequence) {
  std::unique_ptr<Llm> llm = BuiltGpt2(TinyGpt2Options());
  ExpectPackedEqualsAlone(*llm);
}

TEST(PackedRows, SegmentIdsAreCheckedAndNotForTheCache) {
  std::unique_ptr<Llm> llm = BuiltLlama(TinyLlamaOptions());
  NoGradScope no_grad;
  std::unique_ptr<KvCache> cache = llm->NewCache(1, 8);
  LlmInputs in;
  in.embeddings = *llm->Embed(Tensor::FromInts({1, 3}, {1, 2, 3}));
  in.segment_ids = Tensor::FromInts({1, 3}, {0, 0, 1});
  in.cache = cache.get();
  absl::StatusOr<Tensor> h = llm->Run(in);
  ASSERT_FALSE(h.ok());
  EXPECT_TRUE(absl::StrContains(h.status().message(), "cannot be used with a KV cache"))
      << h.status();
  in.cache = nullptr;
  in.segment_ids = Tensor::FromInts({1, 2}, {0, 0});
  h = llm->Run(in);
  ASSERT_FALSE(h.ok());
  EXPECT_TRUE(absl::StrContains(h.status().message(), "llama: segment_ids i32[1, 2]"))
      << h.status();
}

}  // namespace
}  // namespace vlmlab::llms
