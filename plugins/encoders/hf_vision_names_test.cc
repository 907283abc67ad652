// Hugging Face SigLIP and CLIP vision towers load into `vit`: a tiny random tower is written in
// Hugging Face layout with platform/weights, loaded through the name mapping into a vit built
// from the tower's config.json, and the forward is compared with a hand-written reference that
// runs the Hugging Face tensors directly (embeddings, attention with explicit heads, MLP,
// norms). Also: config parsing, unused names, and the errors for mismatched architectures.
#include "plugins/encoders/hf_vision_names.h"

#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/ops/elementwise_ops.h"
#include "platform/ops/matmul_ops.h"
#include "platform/ops/normalization_ops.h"
#include "platform/ops/shape_ops.h"
#include "platform/ops/softmax_ops.h"
#include "platform/ops/testing/gradcheck.h"
#include "platform/ops/vision_ops.h"
#include "platform/registry/global_registries.h"
#include "platform/weights/safetensors.h"

namespace vlmlab::encoders {
namespace {

constexpr int64_t D = 8, H = 2, I = 12, L = 3, P = 4, S = 8, C = 3, G = (S / P) * (S / P);

const char kSiglipConfig[] = R"({"model_type": "siglip_vision_model", "hidden_size": 8,
  "num_hidden_layers": 3, "num_attention_heads": 2, "intermediate_size": 12, "image_size": 8,
  "patch_size": 4, "num_channels": 3, "layer_norm_eps": 1e-6,
  "hidden_act": "gelu_pytorch_tanh"})";
const char kClipConfig[] = R"({"model_type": "clip", "projection_dim": 4,
  "text_config": {"hidden_size": 4},
  "vision_config": {"hidden_size": 8, "num_hidden_layers": 3, "num_attention_heads": 2,
  "intermediate_size": 12, "image_size": 8, "patch_size": 4, "layer_norm_eps": 1e-5,
  "hidden_act": "quick_gelu"}})";

// A random tower in Hugging Face layout under `prefix`.
nn::TensorMap HfTower(const std::string& prefix, bool clip) {
  nn::TensorMap m;
  uint64_t seed = 100;
  auto add = [&](const std::string& name, const Shape& shape, float std = 0.3f) {
    m[prefix + name] = Tensor::RandN(shape, seed++, std);
  };
  auto add_norm = [&](const std::string& name) {
    m[prefix + name + ".weight"] = Tensor::RandUniform({D}, seed++, 0.5f, 1.5f);
    add(name + ".bias", {D}, 0.1f);
  };
  add("embeddings.patch_embedding.weight", {D, C, P, P}, 0.2f);
  if (!clip) add("embeddings.patch_embedding.bias", {D});
  add("embeddings.position_embedding.weight", {G + (clip ? 1 : 0), D});
  if (clip) {
    add("embeddings.class_embedding", {D});
    add_norm("pre_layrnorm");
  }
  m[prefix + "embeddings.position_ids"] = Tensor::FromInts({1, G}, {0, 1, 2, 3});
  for (int l = 0; l < L; ++l) {
    const std::string p = absl::StrCat("encoder.layers.", l, ".");
    for (const char* proj : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
      add(p + "self_attn." + proj + ".weight", {D, D});
      add(p + "self_attn." + proj + ".bias", {D}, 0.1f);
    }
    add_norm(p + "layer_norm1");
    add_norm(p + "layer_norm2");
    add(p + "mlp.fc1.weight", {I, D});
    add(p + "mlp.fc1.bias", {I}, 0.1f);
    add(p + "mlp.fc2.weight", {D, I});
    add(p + "mlp.fc2.bias", {D}, 0.1f);
  }
  add_norm("post_layernorm");
  if (!clip) add("head.probe", {1, 1, D});  // SigLIP's pooling head: not part of vit
  return m;
}

Tensor Get(const nn::TensorMap& m, const std::string& name) {
  auto it = m.find(name);
  CHECK(it != m.end()) << name;
  return it->second;
}

// The Hugging Face forward, written out: [N, T, D] of the layer `last` (post-norm optional).
Tensor Reference(const nn::TensorMap& hf, const std::string& pre, bool clip, int last,
                 bool post_norm, const Tensor& pixels) {
  const float eps = clip ? 1e-5f : 1e-6f;
  const int64_t n = pixels.size(0);
  auto W = [&](const std::string& name) { return Get(hf, pre + name); };
  auto ln = [&](const Tensor& x, const std::string& name) {
    return ops::LayerNorm(x, W(name + ".weight"), W(name + ".bias"), eps).value();
  };
  auto linear = [&](const Tensor& x, const std::string& name) {
    return ops::Linear(x, W(name + ".weight"), W(name + ".bias")).value();
  };
  Tensor bias = clip ? Tensor::Zeros({D}) : W("embeddings.patch_embedding.bias");
  Tensor x = ops::PatchEmbed(pixels, W("embeddings.patch_embedding.weight"), bias).value();
  Tensor pos = W("embeddings.position_embedding.weight");
  if (clip) {
    Tensor cls = ops::Reshape(W("embeddings.class_embedding"), {1, 1, D}).value();
    cls = ops::BroadcastTo(cls, {n, 1, D}).value();
    x = ops::Concat({cls, x}, 1).value();
  }
  x = ops::Add(x, pos).value();  // [N, T, D] + [T, D]
  if (clip) x = ln(x, "pre_layrnorm");
  const int64_t t = x.size(1), hd = D / H;
  for (int l = 0; l <= last; ++l) {
    const std::string p = absl::StrCat("encoder.layers.", l, ".");
    Tensor h = ln(x, p + "layer_norm1");
    auto heads = [&](const Tensor& y) {  // [N, T, D] -> [N, H, T, hd]
      return ops::Permute(ops::Reshape(y, {n, t, H, hd}).value(), {0, 2, 1, 3}).value();
    };
    Tensor q = heads(linear(h, p + "self_attn.q_proj"));
    Tensor k = heads(linear(h, p + "self_attn.k_proj"));
    Tensor v = heads(linear(h, p + "self_attn.v_proj"));
    Tensor scores =
        ops::Scale(ops::Matmul(q, k, false, true).value(), 1.0f / std::sqrt(static_cast<float>(hd)))
            .value();
    Tensor a = ops::Matmul(ops::Softmax(scores).value(), v).value();  // [N, H, T, hd]
    a = ops::Reshape(ops::Permute(a, {0, 2, 1, 3}).value(), {n, t, D}).value();
    x = ops::Add(x, linear(a, p + "self_attn.out_proj")).value();
    h = linear(ln(x, p + "layer_norm2"), p + "mlp.fc1");
    if (clip) {  // quick_gelu
      h = ops::Mul(h, ops::Sigmoid(ops::Scale(h, 1.702f).value()).value()).value();
    } else {
      h = ops::Gelu(h, /*tanh_approximation=*/true).value();
    }
    x = ops::Add(x, linear(h, p + "mlp.fc2")).value();
  }
  return post_norm ? ln(x, "post_layernorm") : x;
}

std::unique_ptr<Encoder> BuildVit(const VitOptions& o) {
  auto enc = GlobalRegistries().Get<Encoder>().Find("vit")->create(o, BuildContext{1});
  CHECK(enc.ok()) << enc.status();
  CHECK((*enc)->Build().ok());
  return *std::move(enc);
}

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

TEST(HfVision, SiglipTowerLoadsAndMatchesTheReferenceForward) {
  const std::string prefix = "vision_model.";
  nn::TensorMap hf = HfTower(prefix, /*clip=*/false);
  hf["text_model.embeddings.token_embedding.weight"] = Tensor::RandN({5, 4}, 1);
  const std::string path = TempPath("siglip.safetensors");
  ASSERT_TRUE(weights::WriteSafetensors(path, hf).ok());
  absl::StatusOr<VitOptions> o = VitOptionsFromHfConfig(kSiglipConfig);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_FALSE(o->cls_token());
  EXPECT_FALSE(o->pre_norm());
  EXPECT_EQ(o->activation(), VitOptions::GELU_TANH);
  std::unique_ptr<Encoder> vit = BuildVit(*o);
  absl::StatusOr<HfVisionTower> tower = LoadHfVisionTower(path, *vit);
  ASSERT_TRUE(tower.ok()) << tower.status();
  EXPECT_EQ(tower->unused, (std::vector<std::string>{"text_model.embeddings.token_embedding.weight",
                                                     "vision_model.embeddings.position_ids",
                                                     "vision_model.head.probe"}));
  Tensor pixels = Tensor::RandN({2, C, S, S}, 7);
  absl::StatusOr<EncodedImages> out = vit->Encode({pixels});
  ASSERT_TRUE(out.ok()) << out.status();
  Tensor want = Reference(hf, prefix, false, L - 1, true, pixels);
  EXPECT_EQ(out->tokens.shape(), want.shape());
  EXPECT_LT(MaxAbsDiff(out->tokens, want), 1e-5);
  // The reference is not trivially equal to anything: the last layer matters.
  EXPECT_GT(MaxAbsDiff(Reference(hf, prefix, false, L - 2, true, pixels), want), 1e-2);
}

TEST(HfVision, ClipTowerLoadsLlavaStylePenultimateFeatures) {
  const std::string prefix = "model.vision_tower.vision_model.";
  nn::TensorMap hf = HfTower(prefix, /*clip=*/true);
  hf["model.visual_projection.weight"] = Tensor::RandN({4, D}, 3);
  absl::StatusOr<VitOptions> o = VitOptionsFromHfConfig(kClipConfig);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_TRUE(o->cls_token());
  EXPECT_TRUE(o->pre_norm());
  EXPECT_EQ(o->activation(), VitOptions::QUICK_GELU);
  EXPECT_FLOAT_EQ(o->layer_norm_eps(), 1e-5f);
  EXPECT_FLOAT_EQ(o->mlp_ratio(), 1.5f);
  o->set_output_layer(-2);  // LLaVA: the penultimate layer, no post norm
  o->set_post_norm(false);
  std::unique_ptr<Encoder> vit = BuildVit(*o);
  absl::StatusOr<HfVisionTower> tower = LoadHfVisionTower(hf, *vit);
  ASSERT_TRUE(tower.ok()) << tower.status();
  int skipped = 0;
  for (const std::string& u : tower->unused) {
    if (u.find("(not built: after output_layer)") != std::string::npos) ++skipped;
    if (u.find("post_norm.weight (not built: post_norm off)") != std::string::npos) ++skipped;
  }
  EXPECT_EQ(skipped, 16 + 1);  // layer 2 (sixteen tensors) and post_layernorm.weight
  ASSERT_EQ(tower->notes.size(), 1u);
  EXPECT_THAT(tower->notes[0], ::testing::HasSubstr("patch_embed.bias is zeros"));
  Tensor pixels = Tensor::RandN({2, C, S, S}, 8);
  absl::StatusOr<EncodedImages> out = vit->Encode({pixels});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(out->cls);
  Tensor want = Reference(hf, prefix, true, L - 2, false, pixels);
  EXPECT_EQ(out->tokens.shape(), (Shape{2, G + 1, D}));
  EXPECT_LT(MaxAbsDiff(out->tokens, want), 1e-5);
}

TEST(HfVision, NameMapping) {
  EXPECT_EQ(VitNameForHf("encoder.layers.11.self_attn.out_proj.weight"), "blocks.11.attn.o.weight");
  EXPECT_EQ(VitNameForHf("encoder.layers.0.mlp.fc1.bias"), "blocks.0.fc1.bias");
  EXPECT_EQ(VitNameForHf("encoder.layers.3.layer_norm2.weight"), "blocks.3.norm2.weight");
  EXPECT_EQ(VitNameForHf("embeddings.class_embedding"), "cls_token");
  EXPECT_EQ(VitNameForHf("pre_layrnorm.bias"), "pre_norm.bias");
  EXPECT_EQ(VitNameForHf("head.mlp.fc1.weight"), "");
  EXPECT_EQ(VitNameForHf("encoder.layers.x.mlp.fc1.weight"), "");
  EXPECT_EQ(VitNameForHf("encoder.layers.1.mlp.fc3.weight"), "");
}

TEST(HfVision, MismatchedArchitecturesAreErrorsNamingTheTensors) {
  nn::TensorMap hf = HfTower("vision_model.", /*clip=*/true);
  VitOptions o = VitOptionsFromHfConfig(kClipConfig).value();
  o.set_pre_norm(false);  // the checkpoint has pre_layrnorm
  absl::StatusOr<HfVisionTower> t = LoadHfVisionTower(hf, *BuildVit(o));
  ASSERT_FALSE(t.ok());
  EXPECT_NE(std::string(t.status().message()).find("unexpected keys: [pre_norm.bias"),
            std::string::npos)
      << t.status();
  o = VitOptionsFromHfConfig(kClipConfig).value();
  o.set_image_size(12);  // 9 patches: the position table differs
  t = LoadHfVisionTower(hf, *BuildVit(o));
  ASSERT_FALSE(t.ok());
  EXPECT_NE(std::string(t.status().message()).find("pos_embed: model [10, 8], checkpoint [5, 8]"),
            std::string::npos)
      << t.status();
  EXPECT_NE(std::string(t.status().message()).find("check image_size, patch_size"),
            std::string::npos);
  nn::TensorMap none = {{"text_model.x", Tensor::Zeros({1})}};
  EXPECT_NE(std::string(HfVisionToVit(none).status().message()).find("is this a SigLIP or CLIP"),
            std::string::npos);
  nn::TensorMap two = HfTower("a.", false);
  for (auto& [k, v] : HfTower("b.", false)) two[k] = v;
  EXPECT_NE(std::string(HfVisionToVit(two).status().message()).find("prefixes a., b."),
            std::string::npos);
}

TEST(HfVision, ConfigErrors) {
  auto err = [](const std::string& json) {
    return std::string(VitOptionsFromHfConfig(json, "cfg.json").status().message());
  };
  EXPECT_THAT(err("[1]"), ::testing::HasSubstr("cfg.json: not a JSON object"));
  EXPECT_THAT(err(R"({"model_type": "vit"})"), ::testing::HasSubstr("only SigLIP and CLIP"));
  EXPECT_NE(err(R"({"model_type": "siglip_vision_model", "hidden_size": 8})")
                .find("cfg.json: \"num_hidden_layers\" is missing"),
            std::string::npos);
  std::string bad_act = kSiglipConfig;
  bad_act.replace(bad_act.find("gelu_pytorch_tanh"), 17, "silu");
  EXPECT_THAT(err(bad_act), ::testing::HasSubstr("\"hidden_act\" is \"silu\""));
  EXPECT_EQ(ReadHfVisionConfig("/no/such/config.json").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace vlmlab::encoders
