// Sequence packing end to end: the same samples padded one per row (CollateBatch) and packed
// several per row (PackBatch) give every token the same logits and per-token loss, and the
// mean loss the same gradients, on the real plugins (vit, mlp, self_attention and
// cross_attention fusion, llama and gpt2) through the fused CPU attention kernel. A control
// run without the segment ids shows the comparison is sensitive: packed samples then see each
// other and their logits change.
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "kernels/cpu/threads.h"
#include "platform/autograd/backward.h"
#include "platform/data/batch.h"
#include "platform/model/model_inputs.h"
#include "platform/model/vlm_model.h"
#include "platform/nn/init.h"
#include "platform/ops/cross_entropy_ops.h"
#include "platform/registry/global_registries.h"

namespace vlmlab {
namespace {

const bool kOneThread = [] {
  SetCpuThreads(1);
  return true;
}();

std::unique_ptr<VlmModel> Build(const std::string& fusion, const std::string& llm) {
  Model spec;
  const std::string text = absl::StrCat(
      "encoder { vit { image_size: 16 patch_size: 8 width: 16 depth: 1 heads: 2 } }\n"
      "projector { mlp {} }\n",
      "fusion { ", fusion, " }\nllm { ", llm, " }\n");
  CHECK(google::protobuf::TextFormat::ParseFromString(text, &spec)) << text;
  absl::StatusOr<std::unique_ptr<VlmModel>> m = BuildVlm(spec, GlobalRegistries(), 5);
  CHECK(m.ok()) << m.status();
  // Weights far from the small default initialisation, so logits and gradients are of order
  // one and a token that sees the wrong context differs clearly.
  int i = 0;
  for (const auto& [name, t] : (*m)->NamedParameters()) {
    Tensor value = Tensor::RandN(t.shape(), 1000 + i++, t.dim() == 1 ? 0.1f : 0.3f);
    if (absl::StrContains(name, "norm") && absl::EndsWith(name, "weight")) {
      std::vector<float> v = value.ToVector();
      for (float& x : v) x += 1.0f;
      value = Tensor::FromVector(t.shape(), v);
    }
    CHECK(nn::AssignValues(t, value).ok()) << name;
  }
  (*m)->SetTraining(false);
  return std::move(*m);
}

// Four samples: with one image, text only, with one image, with two images.
std::vector<data::ProcessedSample> Samples(const VlmModel& m) {
  const std::vector<std::vector<Turn>> turns = {
      {{Turn::kUser, "<image>What is it?"}, {Turn::kAssistant, "a red circle"}},
      {{Turn::kUser, "hi"}, {Turn::kAssistant, "hello there"}},
      {{Turn::kUser, "<image>Count."}, {Turn::kAssistant, "two"}},
      {{Turn::kUser, "<image>and<image>?"}, {Turn::kAssistant, "more"}},
  };
  data::ChatTemplateOptions o;
  o.layout = m.layout();
  o.assistant_only = false;
  std::vector<data::ProcessedSample> out;
  for (size_t i = 0; i < turns.size(); ++i) {
    data::ProcessedSample s;
    s.sample.key = absl::StrCat("s", i);
    s.sample.turns = turns[i];
    std::vector<data::ImageGrid> crops;
    for (const Turn& t : turns[i]) {
      for (size_t at = t.text.find("<image>"); at != std::string::npos;
           at = t.text.find("<image>", at + 1)) {
        crops.emplace_back();
        s.images.push_back(Tensor::RandN({1, 3, 16, 16}, 50 + 7 * i + crops.size()));
      }
    }
    absl::StatusOr<data::TokenizedSample> tokens =
        data::ApplyChatTemplate(s.sample.turns, crops, m.tokenizer(), o);
    CHECK(tokens.ok()) << tokens.status();
    s.tokens = *tokens;
    out.push_back(std::move(s));
  }
  return out;
}

// Samples 0-2 share row 0, sample 3 has row 1: the order of appearance is unchanged.
data::Batch Packed(const std::vector<data::ProcessedSample>& s, const VlmModel& m) {
  return data::PackBatch({{s[0], s[1], s[2]}, {s[3]}}, data::PadId(m.tokenizer()));
}

// Where sample i's tokens are in a batch: (row, first column) for each sample.
std::vector<std::pair<int64_t, int64_t>> Spans(const data::Batch& b) {
  std::vector<int32_t> seg = b.segment_ids.ToInts();
  std::vector<std::pair<int64_t, int64_t>> at(b.size(), {-1, -1});
  const int64_t t = b.input_ids.size(1);
  for (int64_t i = static_cast<int64_t>(seg.size()) - 1; i >= 0; --i) {
    if (seg[i] >= 0) at[seg[i]] = {i / t, i % t};
  }
  return at;
}

// Largest |a - b| / (1 + |b|) over every token of every sample, comparing [B, T, C] tensors
// of the two batches (C = 1 for [B, T]).
double WorstPerToken(const Tensor& a, const data::Batch& ba, const Tensor& b, const data::Batch& bb,
                     const std::vector<data::ProcessedSample>& samples) {
  std::vector<float> va = a.Contiguous().ToVector(), vb = b.Contiguous().ToVector();
  const int64_t ta = a.size(1), tb = b.size(1), c = a.dim() == 3 ? a.size(2) : 1;
  auto sa = Spans(ba), sb = Spans(bb);
  double worst = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    for (size_t p = 0; p < samples[i].tokens.input_ids.size(); ++p) {
      for (int64_t k = 0; k < c; ++k) {
        const float x = va[((sa[i].first * ta) + sa[i].second + p) * c + k];
        const float y = vb[((sb[i].first * tb) + sb[i].second + p) * c + k];
        worst = std::max(worst, std::abs(double{x} - y) / (1 + std::abs(y)));
      }
    }
  }
  return worst;
}

std::map<std::string, std::vector<float>> Gradients(VlmModel& m, const ModelInputs& in) {
  m.ZeroGrad();
  absl::StatusOr<Tensor> loss = m.Loss(in);
  CHECK(loss.ok()) << loss.status();
  CHECK(Backward(*loss).ok());
  std::map<std::string, std::vector<float>> out;
  for (const auto& [name, t] : m.NamedParameters()) {
    if (t.grad().defined()) out[name] = t.grad().ToVector();
  }
  return out;
}

struct Case {
  const char* fusion;
  const char* llm;
};

class PackingTest : public ::testing::TestWithParam<Case> {};

TEST_P(PackingTest, PackedRowsGiveThePaddedLogitsLossAndGradients) {
  std::unique_ptr<VlmModel> m = Build(GetParam().fusion, GetParam().llm);
  std::vector<data::ProcessedSample> samples = Samples(*m);
  data::Batch padded = data::CollateBatch(samples, data::PadId(m->tokenizer()));
  data::Batch packed = Packed(samples, *m);
  ASSERT_FALSE(padded.packed);
  ASSERT_TRUE(packed.packed);
  ASSERT_EQ(packed.rows(), 2);
  ModelInputs pad_in = ToModelInputs(padded), pack_in = ToModelInputs(packed);
  EXPECT_FALSE(pad_in.segment_ids.defined());
  EXPECT_TRUE(pack_in.segment_ids.defined());

  absl::StatusOr<Tensor> pad_logits = m->Logits(pad_in), pack_logits = m->Logits(pack_in);
  ASSERT_TRUE(pad_logits.ok()) << pad_logits.status();
  ASSERT_TRUE(pack_logits.ok()) << pack_logits.status();
  EXPECT_LE(WorstPerToken(*pack_logits, packed, *pad_logits, padded, samples), 1e-4);

  CrossEntropyParams p;
  p.ignore_index = -1;
  p.reduction = CrossEntropyReduction::kNone;
  absl::StatusOr<Tensor> pad_nll = ops::CrossEntropy(*pad_logits, padded.labels, p);
  absl::StatusOr<Tensor> pack_nll = ops::CrossEntropy(*pack_logits, packed.labels, p);
  ASSERT_TRUE(pad_nll.ok() && pack_nll.ok());
  EXPECT_LE(WorstPerToken(*pack_nll, packed, *pad_nll, padded, samples), 1e-4);
  absl::StatusOr<Tensor> pad_loss = m->Loss(pad_in), pack_loss = m->Loss(pack_in);
  ASSERT_TRUE(pad_loss.ok() && pack_loss.ok());
  EXPECT_NEAR(pack_loss->ToVector()[0], pad_loss->ToVector()[0], 1e-4);
  EXPECT_GT(pad_loss->ToVector()[0], 0.1);

  std::map<std::string, std::vector<float>> gp = Gradients(*m, pad_in), gk = Gradients(*m, pack_in);
  ASSERT_EQ(gp.size(), gk.size());
  EXPECT_GT(gp.size(), 10u);
  for (const auto& [name, want] : gp) {
    const std::vector<float>& got = gk[name];
    ASSERT_EQ(got.size(), want.size()) << name;
    double scale = 0, worst = 0;
    for (float x : want) scale = std::max(scale, double{std::abs(x)});
    for (size_t i = 0; i < want.size(); ++i) {
      worst = std::max(worst, std::abs(double{got[i]} - want[i]));
    }
    EXPECT_LE(worst, 1e-4 * (1 + scale)) << name;
  }

  // Control: the packed rows without segment ids (full causal attention, positions running on
  // across samples) change the later samples' logits.
  ModelInputs leaky = pack_in;
  leaky.segment_ids = Tensor();
  leaky.positions = Tensor();
  absl::StatusOr<Tensor> leaky_logits = m->Logits(leaky);
  ASSERT_TRUE(leaky_logits.ok()) << leaky_logits.status();
  EXPECT_GT(WorstPerToken(*leaky_logits, packed, *pad_logits, padded, samples), 1e-2);
}

INSTANTIATE_TEST_SUITE_P(
    FusionAndLlm, PackingTest,
    ::testing::Values(
        Case{"self_attention {}",
             "llama { hidden: 32 layers: 2 heads: 4 kv_heads: 2 "
             "max_seq_len: 128 }"},
        Case{"self_attention { image_delimiters: true }",
             "gpt2 { hidden: 32 layers: 2 heads: 4 max_seq_len: 128 }"},
        Case{"cross_attention { every_n_layers: 1 gate_init: 0.5 }",
             "llama { hidden: 32 layers: 2 heads: 4 max_seq_len: 128 }"},
        Case{
            "cross_attention { every_n_layers: 1 gate_init: 0.5 visibility: ALL_PRECEDING_IMAGES }",
            "gpt2 { hidden: 32 layers: 2 heads: 4 max_seq_len: 128 }"}),
    [](const ::testing::TestParamInfo<Case>& info) {
      return absl::StrCat(std::string(info.param.fusion).substr(0, 4),
                          std::string(info.param.llm).substr(0, 4), info.index);
    });

TEST(PackingTest, PackedRowsAreRefusedWhereRowsMustHoldOneSample) {
  std::unique_ptr<VlmModel> m =
      Build("self_attention {}", "llama { hidden: 32 layers: 1 heads: 4 }");
  std::vector<data::ProcessedSample> samples = Samples(*m);
  ModelInputs in = ToModelInputs(Packed(samples, *m));
  absl::StatusOr<Tensor> logp = m->SequenceLogProbs(in);
  EXPECT_FALSE(logp.ok());
  EXPECT_TRUE(absl::StrContains(logp.status().message(), "segment_ids")) << logp.status();
  absl::StatusOr<std::vector<GeneratedSequence>> gen = m->Generate(in, GenerationOptions());
  EXPECT_FALSE(gen.ok());
  EXPECT_TRUE(absl::StrContains(gen.status().message(), "packed rows")) << gen.status();
  in.segment_ids = Tensor::Zeros({1, 3}, DType::kI32);
  absl::StatusOr<Tensor> logits = m->Logits(in);
  EXPECT_FALSE(logits.ok());
  EXPECT_TRUE(absl::StrContains(logits.status().message(), "segment_ids")) << logits.status();
}

TEST(PositionsFromMask, RestartInEverySegment) {
  Tensor mask = Tensor::FromInts({2, 6}, {1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 0});
  Tensor seg = Tensor::FromInts({2, 6}, {0, 0, 0, 1, 1, -1, 2, 3, 3, 3, -1, -1});
  EXPECT_EQ(PositionsFromMask(mask, 2, 6, seg).ToInts(),
            (std::vector<int32_t>{0, 1, 2, 0, 1, 0, 0, 0, 1, 2, 0, 0}));
  EXPECT_EQ(PositionsFromMask(mask, 2, 6).ToInts(),
            (std::vector<int32_t>{0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 4}));
}

}  // namespace
}  // namespace vlmlab
