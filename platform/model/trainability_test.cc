// TrainabilitySpec on an assembled model: FULL / FROZEN / LORA / DoRA per part, embeddings,
// stage-to-stage adapter handling, errors, and frozen weights bit-identical after AdamW.
#include "platform/model/trainability.h"

#include <cstring>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "platform/autograd/backward.h"
#include "platform/model/testing/tiny_models.h"
#include "platform/nn/lora.h"
#include "platform/ops/testing/gradcheck.h"
#include "platform/optim/from_spec.h"

namespace vlmlab {
namespace {

using ::testing::HasSubstr;

const PluginRegistries& Registries() {
  static PluginRegistries* r = [] {
    auto* regs = new PluginRegistries();
    model_testing::RegisterTinyPlugins(*regs);
    return regs;
  }();
  return *r;
}

std::unique_ptr<VlmModel> Build(const std::string& fusion = "self_attention {}") {
  Model m;
  CHECK(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        encoder { vit { image_size: 8 patch_size: 4 channels: 3 width: 12 } }
        projector { linear {} }
        llm { llama { hidden: 16 layers: 2 heads: 2 max_seq_len: 64 } }
      )pb",
      &m));
  CHECK(google::protobuf::TextFormat::ParseFromString(fusion, m.mutable_fusion()));
  absl::StatusOr<std::unique_ptr<VlmModel>> model = BuildVlm(m, Registries(), 0);
  CHECK(model.ok()) << model.status();
  return std::move(*model);
}

TrainabilitySpec Parse(const std::string& text) {
  TrainabilitySpec s;
  CHECK(google::protobuf::TextFormat::ParseFromString(text, &s)) << text;
  return s;
}

constexpr int32_t kImg = 259, kStart = 260, kEnd = 261;

ModelInputs Batch() {
  ModelInputs in;
  in.input_ids = Tensor::FromInts({1, 9}, {257, kStart, kImg, kImg, kImg, kImg, kEnd, 'a', 'b'});
  in.labels = Tensor::FromInts({1, 9}, {-1, -1, -1, -1, -1, -1, 'a', 'b', 258});
  in.images = Tensor::RandN({1, 3, 8, 8}, 11);
  return in;
}

std::map<std::string, bool> Trainable(const VlmModel& m) {
  std::map<std::string, bool> out;
  for (const auto& [name, t] : m.NamedParameters()) out[name] = t.requires_grad();
  return out;
}

TEST(Trainability, EmbeddingsAreTheTokenTableAndTheHead) {
  auto m = Build();
  EXPECT_EQ(EmbeddingParameterNames(*m),
            (std::vector<std::string>{"llm.embed.weight", "llm.head.weight"}));
}

TEST(Trainability, UnsetMeansFull) {
  auto m = Build();
  m->SetTrainable("*", false);
  absl::StatusOr<TrainabilityReport> r = ApplyTrainability(*m, TrainabilitySpec(), 0);
  ASSERT_TRUE(r.ok()) << r.status();
  for (const auto& [name, trainable] : Trainable(*m)) EXPECT_TRUE(trainable) << name;
  EXPECT_TRUE(r->frozen.empty());
  ASSERT_EQ(r->parts.size(), 5u);
  EXPECT_EQ(r->parts[0].part, "encoder");
  EXPECT_EQ(r->parts[0].parameters, 588);
  EXPECT_EQ(r->parts[4].part, "embeddings");
  EXPECT_EQ(r->parts[4].parameters, 2 * 264 * 16);
  EXPECT_THAT(r->ToString(), HasSubstr("encoder FULL 588/588"));
}

TEST(Trainability, FrozenPartsGetNoGradient) {
  auto m = Build();
  ASSERT_TRUE(
      ApplyTrainability(*m, Parse("encoder { mode: FROZEN } llm { mode: FROZEN }"), 0).ok());
  for (const auto& [name, trainable] : Trainable(*m)) {
    EXPECT_EQ(trainable, absl::StartsWith(name, "projector.")) << name;
  }
  ASSERT_TRUE(Backward(*m->Loss(Batch())).ok());
  for (const auto& [name, t] : m->NamedParameters()) {
    EXPECT_EQ(t.grad().defined(), absl::StartsWith(name, "projector.")) << name;
  }
}

// The acceptance test: AdamW with weight decay leaves frozen parameters bit-identical, whether
// the optimizer holds every parameter or only the trainable ones.
TEST(Trainability, FrozenParametersBitIdenticalAfterAdamW) {
  for (bool trainable_only : {false, true}) {
    auto m = Build();
    ASSERT_TRUE(
        ApplyTrainability(*m, Parse("encoder { mode: FROZEN } embeddings { mode: FROZEN }"), 0)
            .ok());
    std::map<std::string, std::vector<char>> before;
    for (const auto& [name, t] : m->NamedParameters()) {
      Tensor c = t.Contiguous();
      const char* p = static_cast<const char*>(c.raw_data());
      before[name].assign(p, p + c.numel() * DTypeSize(c.dtype()));
    }
    OptimizerSpec os;
    os.set_lr(0.05f);
    os.set_weight_decay(0.1f);
    absl::StatusOr<std::unique_ptr<optim::Optimizer>> opt =
        optim::BuildOptimizer(os, m->NamedParameters(trainable_only));
    ASSERT_TRUE(opt.ok()) << opt.status();
    ASSERT_TRUE(Backward(*m->Loss(Batch())).ok());
    ASSERT_TRUE((*opt)->Step(0.05).ok());
    int frozen = 0, changed = 0;
    for (const auto& [name, t] : m->NamedParameters()) {
      Tensor c = t.Contiguous();
      const bool same = std::memcmp(c.raw_data(), before[name].data(), before[name].size()) == 0;
      const bool is_frozen = absl::StartsWith(name, "encoder.") || name == "llm.embed.weight" ||
                             name == "llm.head.weight";
      if (is_frozen) {
        EXPECT_TRUE(same) << name;
        ++frozen;
      } else {
        changed += same ? 0 : 1;
      }
    }
    EXPECT_EQ(frozen, 4);
    EXPECT_GT(changed, 5);  // the rest did train
  }
}

TEST(Trainability, LoraOnTheLlmTrainsOnlyAdapters) {
  auto m = Build();
  Tensor q_before = m->StateDict().at("llm.blocks.0.attn.q.weight");
  absl::StatusOr<TrainabilityReport> r =
      ApplyTrainability(*m, Parse(R"pb(llm {
                                         mode: LORA
                                         lora { rank: 2 alpha: 4 target_modules: "blocks.*.attn.*" }
                                       })pb"),
                        0);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(nn::LoraModuleNames(*m).size(), 8u);  // q, k, v, o of 2 blocks
  EXPECT_EQ(std::string(m->FindModule("llm.blocks.0.attn.q")->type_name()), "LoraLinear");
  EXPECT_EQ(std::string(m->FindModule("llm.blocks.0.fc1")->type_name()), "Linear");
  std::map<std::string, bool> t = Trainable(*m);
  EXPECT_TRUE(t.at("llm.blocks.0.attn.q.lora_a"));
  EXPECT_TRUE(t.at("llm.blocks.1.attn.o.lora_b"));
  EXPECT_FALSE(t.at("llm.blocks.0.attn.q.weight"));  // the base name survives, frozen
  EXPECT_FALSE(t.at("llm.blocks.0.fc1.weight"));
  EXPECT_FALSE(t.at("llm.embed.weight"));  // embeddings follow a LORA llm: frozen
  EXPECT_FALSE(t.at("llm.head.weight"));
  EXPECT_TRUE(t.at("encoder.patch.weight"));
  // Values of the base weight untouched; outputs unchanged at init (B = 0).
  EXPECT_EQ(m->StateDict().at("llm.blocks.0.attn.q.weight").ToVector(), q_before.ToVector());
  EXPECT_EQ(r->parts[3].lora_modules, 8);
  EXPECT_EQ(r->parts[3].trainable_parameters, 8 * (2 * 16 + 16 * 2));
  // Full names work the same.
  auto m2 = Build();
  ASSERT_TRUE(ApplyTrainability(*m2,
                                Parse(R"pb(llm {
                                             mode: LORA
                                             lora { rank: 2 target_modules: "llm.blocks.*.attn.*" }
                                           })pb"),
                                0)
                  .ok());
  EXPECT_EQ(nn::LoraModuleNames(*m2).size(), 8u);
}

TEST(Trainability, LoraWithoutTargetsWrapsEveryLinearButTheHead) {
  auto m = Build();
  ASSERT_TRUE(ApplyTrainability(*m, Parse("llm { mode: LORA lora { dora: true } }"), 0).ok());
  EXPECT_EQ(nn::LoraModuleNames(*m).size(), 14u);  // 2 blocks x (4 attention + 3 MLP)
  EXPECT_EQ(std::string(m->FindModule("llm.head")->type_name()), "Linear");
  EXPECT_TRUE(Trainable(*m).at("llm.blocks.0.fc2.lora_magnitude"));
}

TEST(Trainability, EmbeddingsCanTrainUnderAFrozenLlm) {
  auto m = Build();
  ASSERT_TRUE(
      ApplyTrainability(*m, Parse("llm { mode: FROZEN } embeddings { mode: FULL }"), 0).ok());
  for (const auto& [name, trainable] : Trainable(*m)) {
    if (!absl::StartsWith(name, "llm.")) continue;
    EXPECT_EQ(trainable, name == "llm.embed.weight" || name == "llm.head.weight") << name;
  }
}

TEST(Trainability, ErrorsNameTheFieldAndChangeNothing) {
  auto m = Build();
  auto before = Trainable(*m);
  absl::StatusOr<TrainabilityReport> r =
      ApplyTrainability(*m, Parse(R"pb(encoder { mode: FROZEN }
                                       llm {
                                         mode: LORA
                                         lora { target_modules: "blocks.*.atn.*" }
                                       })pb"),
                        0);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("trainable.llm.lora.target_modules"));
  EXPECT_THAT(r.status().message(), HasSubstr("\"blocks.*.atn.*\""));
  EXPECT_EQ(Trainable(*m), before);
  EXPECT_TRUE(nn::LoraModuleNames(*m).empty());
  r = ApplyTrainability(*m, Parse("embeddings { mode: LORA }"), 0);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("trainable.embeddings.mode"));
  r = ApplyTrainability(*m, Parse("fusion { mode: LORA }"), 0);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("trainable.fusion"));
  EXPECT_THAT(r.status().message(), HasSubstr("no Linear layer"));
  // Frozen on a part without parameters is fine.
  EXPECT_TRUE(ApplyTrainability(*m, Parse("fusion { mode: FROZEN }"), 0).ok());
}

// Moves every adapter's B away from zero so merging matters.
void Perturb(VlmModel& m) {
  uint64_t seed = 100;
  for (const std::string& path : nn::LoraModuleNames(m)) {
    auto* l = dynamic_cast<nn::LoraLinear*>(m.FindModule(path));
    CHECK(nn::AssignValues(l->lora_b(), Tensor::RandN(l->lora_b().shape(), ++seed, 0.3f)).ok());
  }
}

TEST(Trainability, AdaptersAcrossStages) {
  auto m = Build();
  const std::string lora4 = R"pb(llm {
                                   mode: LORA
                                   lora { rank: 4 target_modules: "blocks.*.attn.q" }
                                 })pb";
  ASSERT_TRUE(ApplyTrainability(*m, Parse(lora4), 0).ok());
  Perturb(*m);
  Tensor a = m->StateDict().at("llm.blocks.0.attn.q.lora_a");
  std::vector<float> b = m->StateDict().at("llm.blocks.0.attn.q.lora_b").ToVector();
  ASSERT_NE(b, std::vector<float>(16 * 4, 0.0f));
  // Same spec next stage: the very same adapters continue.
  ASSERT_TRUE(ApplyTrainability(*m, Parse(lora4), 0).ok());
  EXPECT_EQ(m->StateDict().at("llm.blocks.0.attn.q.lora_b").ToVector(), b);
  EXPECT_EQ(m->StateDict().at("llm.blocks.0.attn.q.lora_a").storage(), a.storage());
  // Another rank: merged, then fresh rank-8 adapters (B = 0: same function as merged).
  Tensor logits = *m->Logits(Batch());
  ASSERT_TRUE(ApplyTrainability(*m, Parse(R"pb(llm {
                                                 mode: LORA
                                                 lora { rank: 8 target_modules: "blocks.*.attn.q" }
                                               })pb"),
                                0)
                  .ok());
  EXPECT_EQ(m->StateDict().at("llm.blocks.0.attn.q.lora_a").shape(), (Shape{8, 16}));
  EXPECT_LT(MaxAbsDiff(*m->Logits(Batch()), logits), 1e-5);
  // FULL: merged back into plain Linears with the same function and names.
  Perturb(*m);
  logits = *m->Logits(Batch());
  ASSERT_TRUE(ApplyTrainability(*m, TrainabilitySpec(), 0).ok());
  EXPECT_TRUE(nn::LoraModuleNames(*m).empty());
  EXPECT_EQ(std::string(m->FindModule("llm.blocks.0.attn.q")->type_name()), "Linear");
  EXPECT_TRUE(Trainable(*m).at("llm.blocks.0.attn.q.weight"));
  EXPECT_LT(MaxAbsDiff(*m->Logits(Batch()), logits), 1e-5);
}

TEST(Trainability, LoraOnCrossAttentionFusion) {
  auto m = Build("cross_attention { every_n_layers: 1 }");
  ASSERT_TRUE(ApplyTrainability(*m, Parse(R"pb(fusion {
                                                 mode: LORA
                                                 lora { target_modules: "xattn.*.attn.*" }
                                               }
                                               llm { mode: FROZEN })pb"),
                                0)
                  .ok());
  std::map<std::string, bool> t = Trainable(*m);
  EXPECT_TRUE(t.at("fusion.xattn.0.attn.q.lora_a"));
  EXPECT_FALSE(t.at("fusion.xattn.0.attn_gate"));
  EXPECT_FALSE(t.at("llm.blocks.0.attn.q.weight"));
}

}  // namespace
}  // namespace vlmlab
