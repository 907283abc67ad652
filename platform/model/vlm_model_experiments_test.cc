// BuildVlm on the committed experiments with the real built-in plugins: shapes, names, a
// training step's loss and gradients, trainability on the real LLM, and generation with the
// KV cache agreeing with recomputation (for both fusion styles).
#include <cmath>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernels/cpu/threads.h"
#include "platform/autograd/backward.h"
#include "platform/model/costs.h"
#include "platform/model/trainability.h"
#include "platform/model/vlm_model.h"
#include "platform/registry/global_registries.h"
#include "platform/spec/spec_loader.h"

namespace vlmlab {
namespace {

// One kernel thread: OpenMP threads spinning on a shared, loaded machine cost 10x.
const bool kOneThread = [] {
  SetCpuThreads(1);
  return true;
}();

std::unique_ptr<VlmModel> Load(const std::string& name) {
  absl::StatusOr<LoadedExperiment> exp = LoadExperimentFile("experiments/" + name);
  CHECK(exp.ok()) << exp.status();
  absl::StatusOr<std::unique_ptr<VlmModel>> m =
      BuildVlm(exp->experiment.model(), GlobalRegistries(), exp->experiment.seed());
  CHECK(m.ok()) << name << ": " << m.status();
  return std::move(*m);
}

// One sample: bos, the image laid out as the model's layout says, then "ab".
ModelInputs OneImageSample(const VlmModel& m, bool labels) {
  const Tokenizer& tok = m.tokenizer();
  std::vector<int32_t> ids = {tok.SpecialId(SpecialToken::kBos)};
  if (m.layout().delimiters) ids.push_back(tok.SpecialId(SpecialToken::kImageStart));
  for (int64_t i = 0; i < m.layout().placeholders; ++i) ids.push_back(m.image_token_id());
  if (m.layout().delimiters) ids.push_back(tok.SpecialId(SpecialToken::kImageEnd));
  ids.push_back('a');
  ids.push_back('b');
  const int64_t t = ids.size();
  ModelInputs in;
  in.input_ids = Tensor::FromInts({1, t}, ids);
  if (labels) {
    std::vector<int32_t> l(t, -1);
    l[t - 3] = 'a';
    l[t - 2] = 'b';
    l[t - 1] = tok.SpecialId(SpecialToken::kEos);
    in.labels = Tensor::FromInts({1, t}, l);
  }
  in.images = Tensor::RandN({1, 3, 64, 64}, 7);  // the experiments' image_size
  return in;
}

struct Expected {
  const char* file;
  int64_t visual_tokens;
  int64_t placeholders;
  bool delimiters;
};

TEST(Experiments, BuildTrainStep) {
  for (const Expected& e : {Expected{"idefics2_small.textproto", 16, 16, true},
                            Expected{"idefics3_pixel_shuffle.textproto", 16, 16, true},
                            Expected{"flamingo_cross_attention.textproto", 16, 1, false}}) {
    SCOPED_TRACE(e.file);
    auto m = Load(e.file);
    EXPECT_EQ(m->summary().visual_tokens.tokens, e.visual_tokens);
    EXPECT_EQ(m->summary().visual_tokens.dim, 192);
    EXPECT_EQ(m->layout().placeholders, e.placeholders);
    EXPECT_EQ(m->layout().delimiters, e.delimiters);
    for (const auto& [name, t] : m->NamedParameters()) {
      EXPECT_TRUE(absl::StartsWith(name, "encoder.") || absl::StartsWith(name, "projector.") ||
                  absl::StartsWith(name, "fusion.") || absl::StartsWith(name, "llm."))
          << name;
    }
    ModelInputs in = OneImageSample(*m, true);
    absl::StatusOr<Tensor> loss = m->Loss(in);
    ASSERT_TRUE(loss.ok()) << loss.status();
    const float l = loss->ToVector()[0];
    EXPECT_NEAR(l, std::log(264.0f), 2.0f);  // about uniform at initialisation
    ASSERT_TRUE(Backward(*loss).ok());
    int with_grad = 0;
    for (const auto& [name, t] : m->NamedParameters()) with_grad += t.grad().defined();
    EXPECT_GT(with_grad, 10);
    ModelCosts c = CountCosts(*m);
    EXPECT_EQ(c.parameters, m->NumParameters());
    EXPECT_GT(ForwardFlopsPerSample(*m, 32, 1).total(), 0);
  }
}

TEST(Experiments, FlamingoLayersAndZeroGates) {
  auto m = Load("flamingo_cross_attention.textproto");
  nn::TensorMap sd = m->StateDict();
  EXPECT_EQ(sd.count("fusion.xattn.0.attn_gate"), 1u);
  EXPECT_EQ(sd.count("fusion.xattn.2.attn_gate"), 1u);
  EXPECT_EQ(sd.count("fusion.xattn.1.attn_gate"), 0u);
  // Gates at 0: the logits are the text-only LM's.
  ModelInputs in = OneImageSample(*m, false);
  Tensor with_image = *m->Logits(in);
  Llm* llm = *m->llm();
  LlmInputs li;
  li.embeddings = *llm->Embed(in.input_ids);
  li.positions = PositionsFromMask(Tensor(), 1, in.input_ids.size(1));
  Tensor text_only = *llm->Logits(*llm->Run(li));
  EXPECT_EQ(with_image.ToVector(), text_only.ToVector());
}

TEST(Experiments, TrainabilityOnTheRealLlm) {
  auto m = Load("idefics2_small.textproto");
  // Tied embeddings: the head reuses the table.
  EXPECT_EQ(EmbeddingParameterNames(*m), std::vector<std::string>{"llm.embed.weight"});
  TrainabilitySpec spec;
  spec.mutable_encoder()->set_mode(ModuleTraining::FROZEN);
  spec.mutable_llm()->set_mode(ModuleTraining::LORA);
  spec.mutable_llm()->mutable_lora()->add_target_modules("blocks.*.attn.*");
  absl::StatusOr<TrainabilityReport> r = ApplyTrainability(*m, spec, 0);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->parts[3].lora_modules, 16);  // 4 blocks x q, k, v, o
  for (const auto& [name, t] : m->NamedParameters()) {
    const bool expect = absl::StartsWith(name, "projector.") || absl::EndsWith(name, ".lora_a") ||
                        absl::EndsWith(name, ".lora_b");
    EXPECT_EQ(t.requires_grad(), expect) << name;
  }
  ASSERT_TRUE(Backward(*m->Loss(OneImageSample(*m, true))).ok());
}

TEST(Experiments, GenerationWithCacheMatchesRecomputation) {
  for (const char* file : {"idefics2_small.textproto", "flamingo_cross_attention.textproto"}) {
    SCOPED_TRACE(file);
    auto m = Load(file);
    for (const auto& [name, t] : m->StateDict()) {  // make the images matter
      if (absl::EndsWith(name, "_gate")) CHECK(nn::AssignValues(t, Tensor::Full({1}, 0.5f)).ok());
    }
    ModelInputs one = OneImageSample(*m, false);
    // Batch: the image sample, and a short text prompt left-padded to its length.
    const int64_t t = one.input_ids.size(1);
    std::vector<int32_t> ids = one.input_ids.ToInts(), mask(t, 1);
    for (int64_t i = 0; i < t - 2; ++i) ids.push_back(0), mask.push_back(0);
    ids.push_back(m->tokenizer().SpecialId(SpecialToken::kBos));
    ids.push_back('q');
    mask.push_back(1);
    mask.push_back(1);
    ModelInputs prompts;
    prompts.input_ids = Tensor::FromInts({2, t}, ids);
    prompts.key_padding_mask = Tensor::FromInts({2, t}, mask);
    prompts.images = one.images;
    GenerationOptions o;
    o.max_new_tokens = 4;
    absl::StatusOr<std::vector<GeneratedSequence>> cached = m->Generate(prompts, o);
    ASSERT_TRUE(cached.ok()) << cached.status();
    o.use_cache = false;
    absl::StatusOr<std::vector<GeneratedSequence>> full = m->Generate(prompts, o);
    ASSERT_TRUE(full.ok()) << full.status();
    for (int s = 0; s < 2; ++s) {
      EXPECT_EQ((*cached)[s].tokens, (*full)[s].tokens) << s;
      EXPECT_EQ((*cached)[s].tokens.size(), 4u);
    }
  }
}

}  // namespace
}  // namespace vlmlab
