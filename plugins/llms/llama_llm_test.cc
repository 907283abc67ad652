// The `llama` plugin: registration, parameter names and shapes (GQA, tied and untied heads),
// gradients against finite differences, causal masking, left padding, the layer hook, position
// limits, errors and the FLOP count.
#include "plugins/llms/llama_llm.h"

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/base/status_macros.h"
#include "platform/ops/testing/gradcheck.h"
#include "platform/registry/global_registries.h"
#include "plugins/llms/llm_test_util.h"

namespace vlmlab::llms {
namespace {

using testing::BuiltLlama;
using testing::kVocab;
using testing::TinyLlamaOptions;
using testing::TokenLogits;

std::vector<std::string> Names(const nn::Module& m) {
  std::vector<std::string> names;
  for (const auto& [n, t] : m.NamedParameters()) names.push_back(n);
  return names;
}

TEST(Llama, RegisteredFactoryIsCheapAndBuildAllocates) {
  const auto* entry = GlobalRegistries().Get<Llm>().Find("llama");
  ASSERT_NE(entry, nullptr);
  LlamaOptions o = TinyLlamaOptions();
  absl::StatusOr<std::unique_ptr<Llm>> llm = entry->create(o, BuildContext{});
  ASSERT_TRUE(llm.ok()) << llm.status();
  EXPECT_EQ((*llm)->NumParameters(), 0);
  EXPECT_EQ((*llm)->Shape().vocab_size, 0);
  EXPECT_EQ((*llm)->Shape().kv_heads, 2);
  EXPECT_FALSE((*llm)->Embed(Tensor::FromInts({1, 1}, {0})).ok());  // not built
  EXPECT_EQ((*llm)->NewCache(1, 4), nullptr);
  ASSERT_TRUE((*llm)->Build(kVocab).ok());
  EXPECT_EQ((*llm)->Shape().vocab_size, kVocab);
  EXPECT_FALSE((*llm)->Build(kVocab).ok());  // twice
}

TEST(Llama, ParameterNamesAndShapesTiedAndUntied) {
  std::unique_ptr<Llm> tied = BuiltLlama(TinyLlamaOptions(true));
  std::vector<std::string> names = Names(*tied);
  std::vector<std::string> want = {"embed.weight"};
  for (int l = 0; l < 2; ++l) {
    for (const char* s :
         {"norm1.weight", "attn.q.weight", "attn.k.weight", "attn.v.weight", "attn.o.weight",
          "norm2.weight", "fc1.weight", "fc2.weight", "fc3.weight"}) {
      want.push_back(absl::StrCat("blocks.", l, ".", s));
    }
  }
  want.push_back("norm.weight");
  EXPECT_EQ(names, want);
  nn::TensorMap sd = tied->StateDict();
  EXPECT_EQ(sd["embed.weight"].shape(), (Shape{kVocab, 16}));
  EXPECT_EQ(sd["blocks.1.attn.q.weight"].shape(), (Shape{16, 16}));
  EXPECT_EQ(sd["blocks.1.attn.k.weight"].shape(), (Shape{8, 16}));  // 2 kv heads of width 4
  EXPECT_EQ(sd["blocks.1.attn.v.weight"].shape(), (Shape{8, 16}));
  EXPECT_EQ(sd["blocks.0.fc1.weight"].shape(), (Shape{24, 16}));
  EXPECT_EQ(sd["blocks.0.fc2.weight"].shape(), (Shape{16, 24}));

  std::unique_ptr<Llm> untied = BuiltLlama(TinyLlamaOptions(false));
  want.push_back("head.weight");
  EXPECT_EQ(Names(*untied), want);
  EXPECT_EQ(untied->StateDict()["head.weight"].shape(), (Shape{kVocab, 16}));
}

TEST(Llama, TiedHeadIsTheEmbeddingTransposed) {
  std::unique_ptr<Llm> llm = BuiltLlama(TinyLlamaOptions(true));
  Tensor h = Tensor::RandN({1, 1, 16}, 4);
  std::vector<float> logits = llm->Logits(h)->ToVector();
  std::vector<float> e = llm->StateDict()["embed.weight"].ToVector(), x = h.ToVector();
  for (int v = 0; v < kVocab; ++v) {
    double dot = 0;
    for (int c = 0; c < 16; ++c) dot += x[c] * e[v * 16 + c];
    EXPECT_NEAR(logits[v], dot, 1e-4) << v;
  }
}

TEST(Llama, ShapesAndDefaultIntermediate) {
  std::unique_ptr<Llm> llm = BuiltLlama(TinyLlamaOptions(false));
  Tensor ids = Tensor::FromInts({2, 3}, {1, 2, 3, 4, 5, 6});
  absl::StatusOr<Tensor> x = llm->Embed(ids);
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x->shape(), (Shape{2, 3, 16}));
  absl::StatusOr<Tensor> logits = TokenLogits(*llm, ids, Tensor());
  ASSERT_TRUE(logits.ok()) << logits.status();
  EXPECT_EQ(logits->shape(), (Shape{2, 3, kVocab}));
  LlamaOptions o;
  o.set_hidden(256);
  EXPECT_EQ(LlamaIntermediate(o), 704);  // ceil(8 * 256 / 3) = 683 -> 704
  o.set_hidden(192);
  EXPECT_EQ(LlamaIntermediate(o), 512);
  o.set_intermediate(100);
  EXPECT_EQ(LlamaIntermediate(o), 100);
}

TEST(Llama, GradientsMatchFiniteDifferences) {
  for (bool tie : {true, false}) {
    LlamaOptions o = TinyLlamaOptions(tie);
    o.set_layers(1);
    std::unique_ptr<Llm> llm = BuiltLlama(o);
    nn::NamedTensors params = llm->NamedParameters();
    std::vector<Tensor> inputs = {Tensor::RandN({1, 4, 16}, 7)};
    for (const auto& [n, t] : params) inputs.push_back(t.Detach().To(DType::kF32));
    Tensor pos = Tensor::FromInts({1, 4}, {0, 1, 2, 3});
    auto f = [&](const std::vector<Tensor>& x) -> absl::StatusOr<Tensor> {
      for (size_t i = 0; i < params.size(); ++i) {
        VLMLAB_RETURN_IF_ERROR(llm->SetParameter(params[i].first, x[i + 1]));
      }
      LlmInputs in;
      in.embeddings = x[0];
      in.positions = pos;
      VLMLAB_ASSIGN_OR_RETURN(Tensor h, llm->Run(in));
      return llm->Logits(h);
    };
    GradCheckOptions options;
    options.eps = 3e-3;
    options.atol = 2e-3;
    options.rtol = 1e-2;
    options.max_elements_per_input = 12;
    absl::Status s = GradCheck(f, inputs, options);
    EXPECT_TRUE(s.ok()) << (tie ? "tied: " : "untied: ") << s;
  }
}

TEST(Llama, ChangingAFutureTokenLeavesEarlierLogitsUnchanged) {
  std::unique_ptr<Llm> llm = BuiltLlama(TinyLlamaOptions());
  std::vector<int32_t> ids = {1, 5, 2, 9, 3, 7};
  std::vector<float> a = TokenLogits(*llm, Tensor::FromInts({1, 6}, ids), Tensor())->ToVector();
  ids[4] = 8;
  std::vector<float> b = TokenLogits(*llm, Tensor::FromInts({1, 6}, ids), Tensor())->ToVector();
  for (int i = 0; i < 4 * kVocab; ++i) EXPECT_NEAR(a[i], b[i], 1e-6) << i;
  double changed = 0;
  for (int i = 4 * kVocab; i < 6 * kVocab; ++i)
    changed = std::max<double>(changed, std::abs(a[i] - b[i]));
  EXPECT_GT(changed, 1e-3);
}

TEST(Llama, LeftPaddedSampleMatchesTheSampleAlone) {
  std::unique_ptr<Llm> llm = BuiltLlama(TinyLlamaOptions(false));
  std::vector<float> alone =
      TokenLogits(*llm, Tensor::FromInts({1, 3}, {4, 2, 7}), Tensor())->ToVector();
  Tensor ids = Tensor::FromInts({2, 5}, {0, 0, 4, 2, 7, 3, 1, 4, 1, 5});
  Tensor pos = Tensor::FromInts({2, 5}, {0, 0, 0, 1, 2, 0, 1, 2, 3, 4});
  Tensor mask = Tensor::FromInts({2, 5}, {0, 0, 1, 1, 1, 1, 1, 1, 1, 1});
  absl::StatusOr<Tensor> batch = TokenLogits(*llm, ids, pos, mask);
  ASSERT_TRUE(batch.ok()) << batch.status();
  std::vector<float> got = batch->ToVector();
  for (int i = 0; i < 3 * kVocab; ++i) EXPECT_NEAR(got[2 * kVocab + i], alone[i], 1e-5) << i;
  // Without the mask the padding is attended to and the logits change.
  std::vector<float> unmasked = TokenLogits(*llm, ids, pos)->ToVector();
  double diff = 0;
  for (int i = 0; i < 3 * kVocab; ++i)
    diff = std::max<double>(diff, std::abs(unmasked[2 * kVocab + i] - alone[i]));
  EXPECT_GT(diff, 1e-3);
}

TEST(Llama, HookRunsBeforeEveryBlockWithThePositions) {
  std::unique_ptr<Llm> llm = BuiltLlama(TinyLlamaOptions());
  std::vector<int> layers;
  std::vector<std::vector<int32_t>> positions;
  LayerHook record = [&](int layer, const Tensor& h, const Tensor& pos) -> absl::StatusOr<Tensor> {
    layers.push_back(layer);
    positions.push_back(pos.ToInts());
    EXPECT_EQ(h.shape(), (Shape{2, 2, 16}));
    return h;
  };
  Tensor ids = Tensor::FromInts({2, 2}, {1, 2, 3, 4});
  Tensor pos = Tensor::FromInts({2, 2}, {3, 4, 7, 8});
  std::vector<float> plain = TokenLogits(*llm, ids, pos)->ToVector();
  std::vector<float> hooked = TokenLogits(*llm, ids, pos, Tensor(), &record)->ToVector();
  EXPECT_EQ(layers, (std::vector<int>{0, 1}));
  EXPECT_EQ(positions[1], (std::vector<int32_t>{3, 4, 7, 8}));
  EXPECT_EQ(plain, hooked);  // an identity hook changes nothing

  // A hook that zeroes the stream before block 1 makes the output independent of block 0.
  LayerHook zero = [](int layer, const Tensor& h, const Tensor&) -> absl::StatusOr<Tensor> {
    return layer == 1 ? Tensor::Zeros(h.shape()) : h;
  };
  std::vector<float> a = TokenLogits(*llm, ids, pos, Tensor(), &zero)->ToVector();
  std::vector<float> b =
      TokenLogits(*llm, Tensor::FromInts({2, 2}, {5, 6, 7, 8}), pos, Tensor(), &zero)->ToVector();
  EXPECT_EQ(a, b);

  LayerHook bad = [](int, const Tensor&, const Tensor&) -> absl::StatusOr<Tensor> {
    return Tensor::Zeros({1, 16});
  };
  absl::StatusOr<Tensor> err = TokenLogits(*llm, ids, pos, Tensor(), &bad);
  ASSERT_FALSE(err.ok());
  EXPECT_THAT(err.status().message(), ::testing::HasSubstr("hook before block 0 returned"))
      << err.status();
}

TEST(Llama, PositionsBeyondMaxSeqLenAreAnError) {
  std::unique_ptr<Llm> llm = BuiltLlama(TinyLlamaOptions());
  absl::StatusOr<Tensor> ok =
      TokenLogits(*llm, Tensor::FromInts({1, 2}, {1, 2}), Tensor::FromInts({1, 2}, {30, 31}));
  EXPECT_TRUE(ok.ok()) << ok.status();
  absl::StatusOr<Tensor> bad =
      TokenLogits(*llm, Tensor::FromInts({1, 2}, {1, 2}), Tensor::FromInts({1, 2}, {31, 32}));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("position 32 (sample 0, token 1) is outside [0, "
                                        "max_seq_len = 32)"),
            std::string::npos)
      << bad.status();
  absl::StatusOr<Tensor> long_seq =
      TokenLogits(*llm, Tensor::Zeros({1, 33}, DType::kI32), Tensor());
  EXPECT_FALSE(long_seq.ok());
}

TEST(Llama, BadInputsAreErrorsNotCrashes) {
  std::unique_ptr<Llm> llm = BuiltLlama(TinyLlamaOptions());
  EXPECT_FALSE(llm->Embed(Tensor::FromInts({1, 2}, {1, kVocab})).ok());  // id out of range
  EXPECT_FALSE(llm->Embed(Tensor::RandN({1, 2}, 1)).ok());               // not i32
  LlmInputs in;
  in.embeddings = Tensor::RandN({1, 2, 15}, 1);
  EXPECT_FALSE(llm->Run(in).ok());
  in.embeddings = Tensor::RandN({1, 2, 16}, 1);
  in.positions = Tensor::FromInts({1, 3}, {0, 1, 2});
  EXPECT_FALSE(llm->Run(in).ok());
  in.positions = Tensor();
  in.key_padding_mask = Tensor::FromInts({1, 3}, {1, 1, 1});
  absl::StatusOr<Tensor> mask = llm->Run(in);
  ASSERT_FALSE(mask.ok());
  EXPECT_THAT(mask.status().message(), ::testing::HasSubstr("key_padding_mask"));
  EXPECT_FALSE(llm->Logits(Tensor::RandN({1, 2, 15}, 1)).ok());

  LlamaOptions o = TinyLlamaOptions();
  o.set_heads(3);
  absl::Status s = NewLlamaLlm(o)->Build(kVocab);
  EXPECT_THAT(s.message(), ::testing::HasSubstr("heads: 3 heads do not divide hidden 16")) << s;
  o = TinyLlamaOptions();
  o.set_vocab_size(20);
  s = NewLlamaLlm(o)->Build(kVocab);
  EXPECT_THAT(s.message(), ::testing::HasSubstr("differs from the option vocab_size = 20")) << s;
  EXPECT_FALSE(NewLlamaLlm(TinyLlamaOptions())->Build(0).ok());
}

TEST(Llama, ForwardFlopsCountsMatmulsAndCausalAttention) {
  std::unique_ptr<Llm> llm = BuiltLlama(TinyLlamaOptions());
  // Per layer: q, k, v, o 2*5*16*(16+8+8+16) = 7680; SwiGLU 2*5*3*16*24 = 11520; attention
  // 2 * 2 * 15 pairs * 4 heads * 4 = 960. Two layers, then the head 2*5*16*11 = 1760.
  EXPECT_DOUBLE_EQ(llm->ForwardFlops(5), 2 * (7680 + 11520 + 960) + 1760);
}

}  // namespace
}  // namespace vlmlab::llms
