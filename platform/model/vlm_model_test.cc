// BuildVlm and VlmModel's forward passes, with the stand-in encoder / projector / LLM of
// testing/tiny_models.h and the real fusion plugins and byte tokenizer.
#include "platform/model/vlm_model.h"

#include <cmath>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "platform/autograd/backward.h"
#include "platform/model/testing/tiny_models.h"
#include "platform/nn/init.h"
#include "platform/ops/shape_ops.h"
#include "platform/ops/testing/gradcheck.h"
#include "plugins/fusion/fusion_testing.h"

namespace vlmlab {
namespace {

using ::testing::HasSubstr;

// image 8x8, patch 4 -> 4 visual tokens of width 12 -> projector to 16; LLM 2 layers, 16 wide.
constexpr char kModel[] = R"pb(
  encoder { vit { image_size: 8 patch_size: 4 channels: 3 width: 12 } }
  projector { linear {} }
  llm { llama { hidden: 16 layers: 2 heads: 2 max_seq_len: 40 } }
)pb";

const PluginRegistries& Registries() {
  static PluginRegistries* r = [] {
    auto* regs = new PluginRegistries();
    model_testing::RegisterTinyPlugins(*regs);
    return regs;
  }();
  return *r;
}

Model Spec(const std::string& fusion) {
  Model m;
  CHECK(google::protobuf::TextFormat::ParseFromString(kModel, &m));
  CHECK(google::protobuf::TextFormat::ParseFromString(fusion, m.mutable_fusion()));
  return m;
}

std::unique_ptr<VlmModel> Build(const std::string& fusion, uint64_t seed = 1) {
  absl::StatusOr<std::unique_ptr<VlmModel>> m = BuildVlm(Spec(fusion), Registries(), seed);
  CHECK(m.ok()) << m.status();
  return std::move(*m);
}

constexpr char kSelf[] = "self_attention { max_images_per_sample: 2 }";
constexpr char kCross[] = "cross_attention { every_n_layers: 1 }";

// Byte tokenizer: 256 bytes, then pad, bos, eos, image, image_start, image_end, ...
constexpr int32_t kImg = 259, kStart = 260, kEnd = 261;

// Two samples for self_attention (4 placeholders per image, delimiters): sample 0 has one
// image, sample 1 none (right-padded).
ModelInputs SelfInputs() {
  ModelInputs in;
  in.input_ids = Tensor::FromInts({2, 9}, {257, kStart, kImg, kImg, kImg, kImg, kEnd, 'a', 'b',  //
                                           257, 'x', 'y', 'z', 0, 0, 0, 0, 0});
  in.labels = Tensor::FromInts({2, 9}, {-1, -1, -1, -1, -1, -1, 'a', 'b', 258,  //
                                        'x', 'y', 'z', 258, -1, -1, -1, -1, -1});
  in.key_padding_mask =
      Tensor::FromInts({2, 9}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0});
  in.images = Tensor::RandN({1, 3, 8, 8}, 11);
  return in;
}

TEST(BuildVlm, AssemblesNamedPartsWithTheResolvedShapes) {
  auto m = Build(kSelf);
  std::vector<std::string> children;
  for (const auto& [name, mod] : m->NamedChildren()) children.push_back(name);
  EXPECT_EQ(children, (std::vector<std::string>{"encoder", "projector", "fusion", "llm"}));
  std::vector<std::string> names;
  for (const auto& [name, t] : m->NamedParameters()) names.push_back(name);
  EXPECT_THAT(names, ::testing::Contains("encoder.patch.weight"));
  EXPECT_THAT(names, ::testing::Contains("projector.proj.bias"));
  EXPECT_THAT(names, ::testing::Contains("llm.embed.weight"));
  EXPECT_THAT(names, ::testing::Contains("llm.blocks.1.attn.q.weight"));
  EXPECT_EQ(m->summary().visual_tokens.tokens, 4);
  EXPECT_EQ(m->summary().visual_tokens.dim, 16);
  EXPECT_EQ(m->summary().llm_shape.vocab_size, 264);  // from the byte tokenizer
  EXPECT_EQ(m->StateDict().at("llm.embed.weight").shape(), (Shape{264, 16}));
  EXPECT_EQ(m->layout().placeholders, 4);
  EXPECT_TRUE(m->layout().delimiters);
  EXPECT_EQ(m->image_token_id(), kImg);
  EXPECT_EQ(m->tokenizer().vocab_size(), 264);
  auto x = Build(kCross);
  EXPECT_EQ(x->layout().placeholders, 1);
  EXPECT_FALSE(x->layout().delimiters);
  EXPECT_NE(x->StateDict().count("fusion.xattn.1.attn_gate"), 0u);
}

TEST(BuildVlm, InitialisationDependsOnlyOnTheSeed) {
  nn::TensorMap a = Build(kSelf, 3)->StateDict(), b = Build(kSelf, 3)->StateDict(),
                c = Build(kSelf, 4)->StateDict();
  for (const auto& [name, t] : a) {
    EXPECT_EQ(t.ToVector(), b.at(name).ToVector()) << name;
  }
  EXPECT_NE(a.at("llm.blocks.0.attn.q.weight").ToVector(),
            c.at("llm.blocks.0.attn.q.weight").ToVector());
}

TEST(BuildVlm, ErrorsNameThePart) {
  absl::StatusOr<std::unique_ptr<VlmModel>> m =
      BuildVlm(Spec("cross_attention { every_n_layers: 5 }"), Registries(), 0);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(), HasSubstr("model.fusion: cross_attention.every_n_layers 5"));
  Model bad = Spec(kSelf);
  bad.mutable_encoder()->mutable_external()->set_name("no_such_encoder");
  m = BuildVlm(bad, Registries(), 0);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(), HasSubstr("model.encoder"));
  Model tight = Spec("self_attention { max_images_per_sample: 8 }");
  m = BuildVlm(tight, Registries(), 0);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(), HasSubstr("model.fusion: self_attention: 8 images"));
}

TEST(VlmModel, LogitsAreThePluginsComposed) {
  auto m = Build(kSelf);
  ModelInputs in = SelfInputs();
  absl::StatusOr<Tensor> logits = m->Logits(in);
  ASSERT_TRUE(logits.ok()) << logits.status();
  EXPECT_EQ(logits->shape(), (Shape{2, 9, 264}));
  // By hand: encoder, projector, fusion, LLM with positions 0..T-1 (no left padding).
  Encoder* enc = *m->encoder();
  Projector* proj = *m->projector();
  Llm* llm = *m->llm();
  Tensor visual = *proj->Project(*enc->Encode(ImageBatch{in.images}));
  FusedSequence fused = *FuseText(*(*m->fusion()), FusionInputs{in.input_ids, visual, kImg}, *llm);
  LlmInputs li;
  li.embeddings = fused.embeddings;
  li.positions = Tensor::FromInts({2, 9}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4, 4, 4, 4, 4});
  li.key_padding_mask = in.key_padding_mask;
  Tensor expected = *llm->Logits(*llm->Run(li));
  EXPECT_EQ(logits->ToVector(), expected.ToVector());
}

// log-softmax of row (b, t) of logits, in double.
std::vector<double> LogSoftmaxRow(const std::vector<float>& l, int64_t row, int64_t v) {
  double mx = -1e30, sum = 0;
  for (int64_t j = 0; j < v; ++j) mx = std::max<double>(mx, l[row * v + j]);
  for (int64_t j = 0; j < v; ++j) sum += std::exp(l[row * v + j] - mx);
  std::vector<double> out(v);
  for (int64_t j = 0; j < v; ++j) out[j] = l[row * v + j] - mx - std::log(sum);
  return out;
}

TEST(VlmModel, LossAndSequenceLogProbsMatchAHandComputation) {
  auto m = Build(kSelf);
  ModelInputs in = SelfInputs();
  std::vector<float> logits = m->Logits(in)->ToVector();
  std::vector<int32_t> labels = in.labels.ToInts();
  double total = 0;
  int count = 0;
  double per_sample[2] = {0, 0};
  for (int64_t r = 0; r < 18; ++r) {
    if (labels[r] < 0) continue;
    double lp = LogSoftmaxRow(logits, r, 264)[labels[r]];
    total -= lp;
    ++count;
    per_sample[r / 9] += lp;
  }
  absl::StatusOr<Tensor> loss = m->Loss(in);
  ASSERT_TRUE(loss.ok()) << loss.status();
  EXPECT_NEAR(loss->ToVector()[0], total / count, 1e-5);
  std::vector<float> seq = m->SequenceLogProbs(in)->ToVector();
  ASSERT_EQ(seq.size(), 2u);
  EXPECT_NEAR(seq[0], per_sample[0], 1e-4);
  EXPECT_NEAR(seq[1], per_sample[1], 1e-4);
  // No labels at all: loss 0, not NaN.
  in.labels = Tensor::Full({2, 9}, -1.0f).To(DType::kI32);
  EXPECT_EQ(m->Loss(in)->ToVector()[0], 0.0f);
}

TEST(VlmModel, PaddingLeftOrRightGivesTheUnpaddedLogits) {
  for (const char* fusion : {kSelf, kCross}) {
    auto m = Build(fusion);
    // Cross-attention needs its gates open to matter.
    for (const auto& [name, t] : m->StateDict()) {
      if (absl::EndsWith(name, "_gate")) CHECK(nn::AssignValues(t, Tensor::Full({1}, 0.5f)).ok());
    }
    const bool cross = std::string(fusion) == kCross;
    std::vector<int32_t> ids =
        cross ? std::vector<int32_t>{257, kImg, 'a', 'b', 'c'}
              : std::vector<int32_t>{257, kStart, kImg, kImg, kImg, kImg, kEnd, 'a', 'b'};
    const int64_t n = ids.size();
    Tensor image = Tensor::RandN({1, 3, 8, 8}, 5);
    ModelInputs alone;
    alone.input_ids = Tensor::FromInts({1, n}, ids);
    alone.images = image;
    std::vector<float> expected = m->Logits(alone)->ToVector();
    for (bool left : {true, false}) {
      std::vector<int32_t> padded, mask;
      for (int i = 0; i < 2 && left; ++i) padded.push_back(0), mask.push_back(0);
      for (int32_t id : ids) padded.push_back(id), mask.push_back(1);
      for (int i = 0; i < 2 && !left; ++i) padded.push_back(0), mask.push_back(0);
      ModelInputs in;
      in.input_ids = Tensor::FromInts({1, n + 2}, padded);
      in.key_padding_mask = Tensor::FromInts({1, n + 2}, mask);
      in.images = image;
      std::vector<float> got = m->Logits(in)->ToVector();
      const int64_t off = left ? 2 : 0;
      for (int64_t i = 0; i < n * 264; ++i) {
        ASSERT_NEAR(got[off * 264 + i], expected[i], 1e-5) << fusion << " left=" << left;
      }
    }
  }
}

TEST(VlmModel, LossGradientsReachEveryPart) {
  for (const char* fusion : {kSelf, kCross}) {
    auto m = Build(fusion);
    for (const auto& [name, t] : m->StateDict()) {
      if (absl::EndsWith(name, "_gate")) CHECK(nn::AssignValues(t, Tensor::Full({1}, 0.5f)).ok());
    }
    ModelInputs in;
    if (std::string(fusion) == kSelf) {
      in = SelfInputs();
    } else {
      in.input_ids = Tensor::FromInts({1, 4}, {257, kImg, 'a', 'b'});
      in.labels = Tensor::FromInts({1, 4}, {-1, 'a', 'b', 258});
      in.images = Tensor::RandN({1, 3, 8, 8}, 11);
    }
    ASSERT_TRUE(Backward(*m->Loss(in)).ok());
    for (const auto& [name, t] : m->NamedParameters()) {
      EXPECT_TRUE(t.grad().defined()) << fusion << ": " << name;
    }
  }
}

TEST(VlmModel, BadInputsAreErrorsNamingTheInput) {
  auto m = Build(kSelf);
  ModelInputs in = SelfInputs();
  in.labels = Tensor();
  EXPECT_THAT(m->Loss(in).status().message(), HasSubstr("labels"));
  in = SelfInputs();
  in.key_padding_mask = Tensor::FromInts({2, 1}, {1, 1});
  EXPECT_THAT(m->Logits(in).status().message(), HasSubstr("key_padding_mask"));
  in = SelfInputs();
  in.images = Tensor();  // placeholders without images
  EXPECT_THAT(m->Logits(in).status().message(),
              HasSubstr("model.fusion: self_attention: sample 0"));
  in = SelfInputs();
  in.input_ids = Tensor::Zeros({1, 41}).To(DType::kI32);
  in.key_padding_mask = Tensor();
  in.images = Tensor();
  EXPECT_THAT(m->Logits(in).status().message(), HasSubstr("max_seq_len 40"));
  in = SelfInputs();
  in.labels = Tensor::Full({2, 9}, 300).To(DType::kI32);
  EXPECT_THAT(m->Loss(in).status().message(), HasSubstr("labels"));
}

TEST(VlmModel, GenerateContinuesLikeRepeatedLogits) {
  for (const char* fusion : {kSelf, kCross}) {
    auto m = Build(fusion);
    for (const auto& [name, t] : m->StateDict()) {
      if (absl::EndsWith(name, "_gate")) CHECK(nn::AssignValues(t, Tensor::Full({1}, 0.5f)).ok());
    }
    const bool cross = std::string(fusion) == kCross;
    std::vector<int32_t> p0 =
        cross ? std::vector<int32_t>{257, kImg, 'a'}
              : std::vector<int32_t>{257, kStart, kImg, kImg, kImg, kImg, kEnd, 'a'};
    std::vector<int32_t> p1 = {257, 'q'};
    const int64_t t = p0.size();
    std::vector<int32_t> ids = p0, mask(t, 1);
    for (int64_t i = 0; i < t - 2; ++i) ids.push_back(0), mask.push_back(0);
    for (int32_t id : p1) ids.push_back(id), mask.push_back(1);
    ModelInputs prompts;
    prompts.input_ids = Tensor::FromInts({2, t}, ids);
    prompts.key_padding_mask = Tensor::FromInts({2, t}, mask);
    prompts.images = Tensor::RandN({1, 3, 8, 8}, 5);
    GenerationOptions o;
    o.max_new_tokens = 3;
    o.use_cache = false;  // the tiny LLM has no KV cache
    absl::StatusOr<std::vector<GeneratedSequence>> out = m->Generate(prompts, o);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_TRUE(m->is_training());  // mode restored
    // Reference: greedy over full-sequence logits of each sample alone.
    for (int s = 0; s < 2; ++s) {
      std::vector<int32_t> seq = s == 0 ? p0 : p1;
      for (int step = 0; step < 3; ++step) {
        ModelInputs in;
        in.input_ids = Tensor::FromInts({1, static_cast<int64_t>(seq.size())}, seq);
        if (s == 0) in.images = *ops::Slice(prompts.images, 0, 0, 1);
        std::vector<float> l = m->Logits(in)->ToVector();
        const int64_t last = (static_cast<int64_t>(seq.size()) - 1) * 264;
        int32_t best = 0;
        for (int32_t j = 1; j < 264; ++j) {
          if (l[last + j] > l[last + best]) best = j;
        }
        seq.push_back(best);
        ASSERT_LT(step, static_cast<int>((*out)[s].tokens.size())) << fusion;
        EXPECT_EQ((*out)[s].tokens[step], best) << fusion << " sample " << s << " step " << step;
      }
    }
  }
}

TEST(PositionsFromMask, CountsRealTokensBefore) {
  Tensor mask = Tensor::FromInts({2, 5}, {0, 0, 1, 1, 1, 1, 1, 1, 0, 0});
  EXPECT_EQ(PositionsFromMask(mask, 2, 5).ToInts(),
            (std::vector<int32_t>{0, 0, 0, 1, 2, 0, 1, 2, 3, 3}));
  EXPECT_EQ(PositionsFromMask(Tensor(), 1, 3).ToInts(), (std::vector<int32_t>{0, 1, 2}));
}

}  // namespace
}  // namespace vlmlab
