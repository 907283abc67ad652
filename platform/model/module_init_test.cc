// The model slots' `init` blocks: a part's weights from a vlmlab checkpoint (under a prefix), a
// Hugging Face Llama checkpoint and a Hugging Face SigLIP vision tower, each reproducing the
// forward of a reference model given the same weights directly; the other parts keep their
// seeded values; and the errors (missing file, wrong prefix, shapes, non-finite values, a
// naming the plugin does not read) name the part, the file and the tensor.
#include "platform/model/module_init.h"

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "platform/autograd/grad_mode.h"
#include "platform/registry/global_registries.h"
#include "platform/weights/safetensors.h"
#include "plugins/encoders/hf_vision_names.h"
#include "plugins/llms/hf_llama_names.h"

namespace vlmlab {
namespace {

using ::testing::HasSubstr;

constexpr char kModel[] = R"pb(
  encoder { vit { image_size: 8 patch_size: 4 width: 16 depth: 1 heads: 2 } }
  projector { mlp {} }
  fusion { self_attention { max_images_per_sample: 1 } }
  llm { llama { hidden: 16 layers: 1 heads: 2 max_seq_len: 32 } }
)pb";

std::string Dir() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string d = absl::StrCat(tmp ? tmp : "/tmp", "/module_init_test");
  std::filesystem::create_directories(d);
  return d;
}

Model Spec(const std::string& extra = "") {
  Model m;
  CHECK(google::protobuf::TextFormat::ParseFromString(kModel, &m));
  CHECK(google::protobuf::TextFormat::MergeFromString(extra, &m)) << extra;
  return m;
}

std::unique_ptr<VlmModel> Build(const Model& spec, uint64_t seed) {
  absl::StatusOr<std::unique_ptr<VlmModel>> m = BuildVlm(spec, GlobalRegistries(), seed);
  CHECK(m.ok()) << m.status();
  return std::move(*m);
}

// The model's parameters under `prefix`, the prefix removed.
nn::TensorMap Part(const VlmModel& m, const std::string& prefix) {
  nn::TensorMap out;
  for (const auto& [name, t] : m.StateDict()) {
    if (absl::StartsWith(name, prefix)) out[name.substr(prefix.size())] = t;
  }
  return out;
}

bool Same(const nn::TensorMap& a, const nn::TensorMap& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, t] : a) {
    auto it = b.find(name);
    if (it == b.end() || it->second.ToVector() != t.ToVector()) return false;
  }
  return true;
}

// A fixed batch: one 8 x 8 image and its 4 placeholders, then text.
std::vector<float> Logits(VlmModel& m) {
  NoGradScope no_grad;
  ModelInputs in;
  std::vector<int32_t> ids = {m.tokenizer().SpecialId(SpecialToken::kBos)};
  if (m.layout().delimiters) ids.push_back(m.tokenizer().SpecialId(SpecialToken::kImageStart));
  for (int64_t i = 0; i < m.layout().placeholders; ++i) ids.push_back(m.image_token_id());
  if (m.layout().delimiters) ids.push_back(m.tokenizer().SpecialId(SpecialToken::kImageEnd));
  for (char c : std::string("a red circle")) ids.push_back(static_cast<unsigned char>(c));
  in.input_ids = Tensor::FromInts({1, static_cast<int64_t>(ids.size())}, ids);
  in.images = Tensor::RandN({1, 3, 8, 8}, 77);
  absl::StatusOr<Tensor> logits = m.Logits(in);
  CHECK(logits.ok()) << logits.status();
  return logits->ToVector();
}

std::string Init(const std::string& part, const std::string& body) {
  return absl::StrCat(part, " { init { ", body, " } }");
}

TEST(ModuleInit, VlmlabCheckpointUnderAPrefixInitialisesTheNamedParts) {
  std::unique_ptr<VlmModel> source = Build(Spec(), 1);
  const std::string file = Dir() + "/source.safetensors";
  ASSERT_TRUE(weights::WriteSafetensors(file, source->StateDict()).ok());

  const Model spec =
      Spec(Init("encoder", absl::StrCat("path: \"", file, "\" prefix: \"encoder.\"")) +
           Init("projector", absl::StrCat("path: \"", file, "\" prefix: \"projector.\"")));
  std::unique_ptr<VlmModel> m = Build(spec, 2), plain = Build(Spec(), 2);
  absl::StatusOr<std::vector<std::string>> notes = ApplyModuleInits(*m, spec);
  ASSERT_TRUE(notes.ok()) << notes.status();
  EXPECT_THAT(notes->front(), HasSubstr("model.encoder: "));
  for (const char* part : {"encoder.", "projector."}) {
    EXPECT_TRUE(Same(Part(*m, part), Part(*source, part))) << part;
    EXPECT_FALSE(Same(Part(*plain, part), Part(*source, part))) << part;  // seeds differ
  }
  EXPECT_TRUE(Same(Part(*m, "llm."), Part(*plain, "llm.")));
}

TEST(ModuleInit, HuggingFaceLlamaReproducesTheReferenceForward) {
  std::unique_ptr<VlmModel> source = Build(Spec(), 1);
  LlamaOptions options = Spec().llm().llama();
  options.set_vocab_size(source->summary().llm_shape.vocab_size);
  absl::StatusOr<nn::TensorMap> hf = llms::VlmlabToHfLlama(Part(*source, "llm."), options);
  ASSERT_TRUE(hf.ok()) << hf.status();
  ASSERT_TRUE(hf->count("model.layers.0.self_attn.q_proj.weight"));
  const std::string dir = Dir() + "/hf_llama";
  std::filesystem::create_directories(dir);
  ASSERT_TRUE(weights::WriteSafetensors(dir + "/model.safetensors", *hf).ok());

  const Model spec = Spec(Init("llm", absl::StrCat("path: \"", dir, "\" naming: HF_LLAMA")));
  std::unique_ptr<VlmModel> m = Build(spec, 2);
  ASSERT_TRUE(ApplyModuleInits(*m, spec).ok());
  // Reference: the same seed-2 model with the source's LLM weights loaded directly.
  std::unique_ptr<VlmModel> reference = Build(Spec(), 2);
  nn::TensorMap state = reference->StateDict();
  for (const auto& [name, t] : Part(*source, "llm.")) state["llm." + name] = t;
  ASSERT_TRUE(reference->LoadStateDict(state).ok());
  EXPECT_EQ(Logits(*m), Logits(*reference));
  EXPECT_NE(Logits(*m), Logits(*Build(Spec(), 2)));
}

// The vit's parameters in Hugging Face SigLIP layout under "vision_model.".
nn::TensorMap AsHfSiglip(const nn::TensorMap& vit) {
  nn::TensorMap hf;
  for (const auto& [name, t] : vit) {
    std::string n =
        absl::StrReplaceAll(name, {{"patch_embed.", "embeddings.patch_embedding."},
                                   {"pos_embed", "embeddings.position_embedding.weight"},
                                   {"blocks.", "encoder.layers."},
                                   {".norm1.", ".layer_norm1."},
                                   {".norm2.", ".layer_norm2."},
                                   {".attn.q.", ".self_attn.q_proj."},
                                   {".attn.k.", ".self_attn.k_proj."},
                                   {".attn.v.", ".self_attn.v_proj."},
                                   {".attn.o.", ".self_attn.out_proj."},
                                   {".fc1.", ".mlp.fc1."},
                                   {".fc2.", ".mlp.fc2."},
                                   {"post_norm.", "post_layernorm."}});
    CHECK_EQ(encoders::VitNameForHf(n), name) << n;
    hf["vision_model." + n] = t;
  }
  hf["text_model.embeddings.token_embedding.weight"] = Tensor::RandN({10, 4}, 3);  // skipped
  return hf;
}

TEST(ModuleInit, HuggingFaceSiglipTowerReproducesTheReferenceForward) {
  std::unique_ptr<VlmModel> source = Build(Spec(), 1);
  const std::string file = Dir() + "/siglip.safetensors";
  ASSERT_TRUE(weights::WriteSafetensors(file, AsHfSiglip(Part(*source, "encoder."))).ok());
  const Model spec =
      Spec(Init("encoder", absl::StrCat("path: \"", file, "\" naming: HF_SIGLIP_VISION")));
  std::unique_ptr<VlmModel> m = Build(spec, 2);
  ASSERT_TRUE(ApplyModuleInits(*m, spec).ok());
  std::unique_ptr<VlmModel> reference = Build(Spec(), 2);
  nn::TensorMap state = reference->StateDict();
  for (const auto& [name, t] : Part(*source, "encoder.")) state["encoder." + name] = t;
  ASSERT_TRUE(reference->LoadStateDict(state).ok());
  EXPECT_EQ(Logits(*m), Logits(*reference));
}

// A [rows, cols] matrix transposed (nn::Linear [out, in] -> GPT-2 Conv1D [in, out]).
std::vector<float> Transposed(const Tensor& t) {
  std::vector<float> v = t.ToVector(), out(v.size());
  const int64_t rows = t.size(0), cols = t.size(1);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) out[c * rows + r] = v[r * cols + c];
  }
  return out;
}

// The gpt2 plugin's parameters in Hugging Face GPT2LMHeadModel layout.
nn::TensorMap AsHfGpt2(const nn::TensorMap& gpt2, int64_t layers) {
  nn::TensorMap hf;
  hf["transformer.wte.weight"] = gpt2.at("embed.weight");
  hf["lm_head.weight"] = gpt2.at("embed.weight");
  hf["transformer.wpe.weight"] = gpt2.at("pos_embed.weight");
  for (const char* p : {"weight", "bias"}) {
    hf[absl::StrCat("transformer.ln_f.", p)] = gpt2.at(absl::StrCat("norm.", p));
  }
  for (int64_t l = 0; l < layers; ++l) {
    const std::string b = absl::StrCat("blocks.", l, "."),
                      h = absl::StrCat("transformer.h.", l, ".");
    for (const char* p : {"weight", "bias"}) {
      hf[h + "ln_1." + p] = gpt2.at(b + "norm1." + p);
      hf[h + "ln_2." + p] = gpt2.at(b + "norm2." + p);
    }
    const int64_t d = gpt2.at(b + "attn.q.weight").size(0);
    // c_attn: [in, 3 * out], q | k | v side by side.
    std::vector<float> w(d * 3 * d), bias;
    for (int i = 0; i < 3; ++i) {
      const std::string n = std::string(1, "qkv"[i]);
      std::vector<float> t = Transposed(gpt2.at(b + "attn." + n + ".weight"));  // [in, out]
      for (int64_t r = 0; r < d; ++r) {
        for (int64_t c = 0; c < d; ++c) w[r * 3 * d + i * d + c] = t[r * d + c];
      }
      std::vector<float> bv = gpt2.at(b + "attn." + n + ".bias").ToVector();
      bias.insert(bias.end(), bv.begin(), bv.end());
    }
    hf[h + "attn.c_attn.weight"] = Tensor::FromVector({d, 3 * d}, w);
    hf[h + "attn.c_attn.bias"] = Tensor::FromVector({3 * d}, bias);
    auto conv1d = [&](const std::string& ours, const std::string& theirs) {
      const Tensor& t = gpt2.at(b + ours + ".weight");
      hf[h + theirs + ".weight"] = Tensor::FromVector({t.size(1), t.size(0)}, Transposed(t));
      hf[h + theirs + ".bias"] = gpt2.at(b + ours + ".bias");
    };
    conv1d("attn.o", "attn.c_proj");
    conv1d("fc1", "mlp.c_fc");
    conv1d("fc2", "mlp.c_proj");
    hf[h + "attn.bias"] = Tensor::Full({1, 1, 32, 32}, 1.0f);  // the causal-mask buffer: skipped
  }
  return hf;
}

TEST(ModuleInit, HuggingFaceGpt2ReproducesTheReferenceForward) {
  const std::string gpt2 = "llm { gpt2 { hidden: 16 layers: 2 heads: 2 max_seq_len: 32 } }";
  Model base = Spec();
  base.clear_llm();
  CHECK(google::protobuf::TextFormat::MergeFromString(gpt2, &base));
  std::unique_ptr<VlmModel> source = Build(base, 1);
  const std::string file = Dir() + "/gpt2.safetensors";
  ASSERT_TRUE(weights::WriteSafetensors(file, AsHfGpt2(Part(*source, "llm."), 2)).ok());
  Model spec = base;
  spec.mutable_llm()->mutable_init()->set_path(file);
  spec.mutable_llm()->mutable_init()->set_naming(ModuleInit::HF_GPT2);
  std::unique_ptr<VlmModel> m = Build(spec, 2);
  absl::StatusOr<std::vector<std::string>> notes = ApplyModuleInits(*m, spec);
  ASSERT_TRUE(notes.ok()) << notes.status();
  std::unique_ptr<VlmModel> reference = Build(base, 2);
  nn::TensorMap state = reference->StateDict();
  for (const auto& [name, t] : Part(*source, "llm.")) state["llm." + name] = t;
  ASSERT_TRUE(reference->LoadStateDict(state).ok());
  EXPECT_EQ(Logits(*m), Logits(*reference));
  EXPECT_NE(Logits(*m), Logits(*Build(base, 2)));
}

TEST(ModuleInit, ErrorsNameThePartTheFileAndTheTensor) {
  std::unique_ptr<VlmModel> source = Build(Spec(), 1);
  const std::string file = Dir() + "/errors.safetensors";
  ASSERT_TRUE(weights::WriteSafetensors(file, source->StateDict()).ok());
  auto error = [&](const std::string& extra, const std::string& llm = "") {
    Model spec = Spec(extra);
    if (!llm.empty()) {
      CHECK(
          google::protobuf::TextFormat::MergeFromString(llm, spec.mutable_llm()->mutable_llama()));
    }
    std::unique_ptr<VlmModel> m = Build(spec, 2);
    return std::string(ApplyModuleInits(*m, spec).status().message());
  };
  EXPECT_THAT(error(Init("encoder", "path: \"/nonexistent/x.safetensors\"")),
              HasSubstr("model.encoder.init: /nonexistent/x.safetensors: "));
  EXPECT_THAT(error(Init("encoder", absl::StrCat("path: \"", file, "\" prefix: \"vision.\""))),
              HasSubstr("no tensor name starts with prefix \"vision.\""));
  // The whole model's file without a prefix: the encoder's names are not at the top level.
  EXPECT_THAT(error(Init("encoder", absl::StrCat("path: \"", file, "\""))),
              HasSubstr("(the file has them under \"encoder.\": add that to init.prefix)"));
  // A wider LLM than the file's.
  EXPECT_THAT(
      error(Init("llm", absl::StrCat("path: \"", file, "\" prefix: \"llm.\"")), "hidden: 32"),
      HasSubstr("blocks.0.attn.q.weight is [16, 16] in the file, [32, 32] in the model"));
  // The projector reads no Hugging Face naming.
  EXPECT_THAT(error(Init("projector", absl::StrCat("path: \"", file, "\" naming: HF_LLAMA"))),
              HasSubstr("cannot read weights named as \"hf_llama\""));
  // A NaN in the file is named.
  nn::TensorMap state = source->StateDict();
  std::vector<float> v = state.at("encoder.pos_embed").ToVector();
  v[3] = std::nanf("");
  state["encoder.pos_embed"] = Tensor::FromVector(state.at("encoder.pos_embed").shape(), v);
  const std::string nan_file = Dir() + "/nan.safetensors";
  ASSERT_TRUE(weights::WriteSafetensors(nan_file, state).ok());
  EXPECT_THAT(error(Init("encoder", absl::StrCat("path: \"", nan_file, "\" prefix: \"encoder.\""))),
              HasSubstr("non-finite values (NaN or infinity) in pos_embed"));
}

}  // namespace
}  // namespace vlmlab
