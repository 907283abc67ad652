// Hugging Face Llama checkpoints: config.json parsing and its errors, the name mapping and its
// inverse, and the decisive check: a checkpoint written in HF layout (random values) and loaded
// through the mapping gives the logits of an independent plain-loop implementation of the HF
// Llama forward (rotate_half RoPE, GQA, SwiGLU, RMSNorm), which pins down the q/k permutation.
#include "plugins/llms/hf_llama_names.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "platform/weights/safetensors.h"
#include "plugins/llms/llama_llm.h"
#include "plugins/llms/llm_test_util.h"

namespace vlmlab::llms {
namespace {

constexpr int kHidden = 16, kLayers = 2, kHeads = 4, kKvHeads = 2, kInter = 24, kVocab = 11;
constexpr int kHeadDim = kHidden / kHeads;
constexpr double kTheta = 500.0, kEps = 1e-6;

std::string ConfigJson(bool tied) {
  return absl::StrCat(R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama",
    "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 4,
    "num_key_value_heads": 2, "intermediate_size": 24, "rope_theta": 500.0,
    "rms_norm_eps": 1e-06, "vocab_size": 11, "max_position_embeddings": 64,
    "hidden_act": "silu", "rope_scaling": null, "attention_bias": false,
    "torch_dtype": "bfloat16", "tie_word_embeddings": )",
                      tied ? "true" : "false", "}");
}

// Random tensors in HF layout.
std::map<std::string, Tensor> HfTensors(bool tied) {
  std::map<std::string, Tensor> t;
  uint64_t seed = 100;
  auto matrix = [&](int64_t out, int64_t in, float std) {
    return Tensor::RandN({out, in}, seed++, std);
  };
  auto norm = [&]() {
    std::vector<float> v = Tensor::RandN({kHidden}, seed++, 0.1f).ToVector();
    for (float& x : v) x += 1.0f;
    return Tensor::FromVector({kHidden}, v);
  };
  t["model.embed_tokens.weight"] = matrix(kVocab, kHidden, 1.0f);
  for (int l = 0; l < kLayers; ++l) {
    const std::string p = absl::StrCat("model.layers.", l, ".");
    t[p + "input_layernorm.weight"] = norm();
    t[p + "self_attn.q_proj.weight"] = matrix(kHidden, kHidden, 0.5f);
    t[p + "self_attn.k_proj.weight"] = matrix(kKvHeads * kHeadDim, kHidden, 0.5f);
    t[p + "self_attn.v_proj.weight"] = matrix(kKvHeads * kHeadDim, kHidden, 0.4f);
    t[p + "self_attn.o_proj.weight"] = matrix(kHidden, kHidden, 0.4f);
    t[p + "post_attention_layernorm.weight"] = norm();
    t[p + "mlp.gate_proj.weight"] = matrix(kInter, kHidden, 0.4f);
    t[p + "mlp.up_proj.weight"] = matrix(kInter, kHidden, 0.4f);
    t[p + "mlp.down_proj.weight"] = matrix(kHidden, kInter, 0.3f);
    t[p + "self_attn.rotary_emb.inv_freq"] = Tensor::RandN({kHeadDim / 2}, seed++);  // ignored
  }
  t["model.norm.weight"] = norm();
  if (!tied) t["lm_head.weight"] = matrix(kVocab, kHidden, 0.4f);
  return t;
}

using Matrix = std::vector<std::vector<double>>;  // [rows][cols]

Matrix Get(const std::map<std::string, Tensor>& t, const std::string& name) {
  const Tensor& x = t.at(name);
  std::vector<float> v = x.ToVector();
  Matrix m(x.size(0), std::vector<double>(x.dim() == 2 ? x.size(1) : 1));
  for (size_t i = 0; i < v.size(); ++i) m[i / m[0].size()][i % m[0].size()] = v[i];
  return m;
}

// y[t] = W x[t]
Matrix Project(const Matrix& x, const Matrix& w) {
  Matrix y(x.size(), std::vector<double>(w.size(), 0.0));
  for (size_t t = 0; t < x.size(); ++t) {
    for (size_t o = 0; o < w.size(); ++o) {
      for (size_t i = 0; i < w[o].size(); ++i) y[t][o] += w[o][i] * x[t][i];
    }
  }
  return y;
}

Matrix RmsNorm(const Matrix& x, const Matrix& w) {
  Matrix y = x;
  for (size_t t = 0; t < x.size(); ++t) {
    double ms = 0;
    for (double v : x[t]) ms += v * v;
    const double r = 1.0 / std::sqrt(ms / x[t].size() + kEps);
    for (size_t c = 0; c < x[t].size(); ++c) y[t][c] = x[t][c] * r * w[c][0];
  }
  return y;
}

// HF apply_rotary_pos_emb: x * cos + rotate_half(x) * sin, per head, at position t.
void RotateHalf(Matrix* x, int heads) {
  for (size_t t = 0; t < x->size(); ++t) {
    for (int h = 0; h < heads; ++h) {
      double* v = &(*x)[t][h * kHeadDim];
      std::vector<double> orig(v, v + kHeadDim);
      for (int i = 0; i < kHeadDim / 2; ++i) {
        const double angle = t * std::pow(kTheta, -2.0 * i / kHeadDim);
        const double c = std::cos(angle), s = std::sin(angle);
        v[i] = orig[i] * c - orig[i + kHeadDim / 2] * s;
        v[i + kHeadDim / 2] = orig[i + kHeadDim / 2] * c + orig[i] * s;
      }
    }
  }
}

// The Hugging Face LlamaForCausalLM forward for one sequence at positions 0..T-1: [T][V].
Matrix HfReferenceLogits(const std::map<std::string, Tensor>& w, const std::vector<int>& ids,
                         bool tied) {
  const Matrix embed = Get(w, "model.embed_tokens.weight");
  Matrix x;
  for (int id : ids) x.push_back(embed[id]);
  const size_t n = ids.size();
  for (int l = 0; l < kLayers; ++l) {
    const std::string p = absl::StrCat("model.layers.", l, ".");
    Matrix h = RmsNorm(x, Get(w, p + "input_layernorm.weight"));
    Matrix q = Project(h, Get(w, p + "self_attn.q_proj.weight"));
    Matrix k = Project(h, Get(w, p + "self_attn.k_proj.weight"));
    Matrix v = Project(h, Get(w, p + "self_attn.v_proj.weight"));
    RotateHalf(&q, kHeads);
    RotateHalf(&k, kKvHeads);
    Matrix attn(n, std::vector<double>(kHidden, 0.0));
    for (int hq = 0; hq < kHeads; ++hq) {
      const int hk = hq / (kHeads / kKvHeads);
      for (size_t t = 0; t < n; ++t) {
        std::vector<double> s(t + 1);
        double max = -1e300, sum = 0;
        for (size_t j = 0; j <= t; ++j) {
          s[j] = 0;
          for (int d = 0; d < kHeadDim; ++d) {
            s[j] += q[t][hq * kHeadDim + d] * k[j][hk * kHeadDim + d];
          }
          s[j] /= std::sqrt(static_cast<double>(kHeadDim));
          max = std::max(max, s[j]);
        }
        for (size_t j = 0; j <= t; ++j) sum += std::exp(s[j] - max);
        for (size_t j = 0; j <= t; ++j) {
          const double pj = std::exp(s[j] - max) / sum;
          for (int d = 0; d < kHeadDim; ++d) {
            attn[t][hq * kHeadDim + d] += pj * v[j][hk * kHeadDim + d];
          }
        }
      }
    }
    Matrix o = Project(attn, Get(w, p + "self_attn.o_proj.weight"));
    for (size_t t = 0; t < n; ++t) {
      for (int c = 0; c < kHidden; ++c) x[t][c] += o[t][c];
    }
    Matrix h2 = RmsNorm(x, Get(w, p + "post_attention_layernorm.weight"));
    Matrix gate = Project(h2, Get(w, p + "mlp.gate_proj.weight"));
    Matrix up = Project(h2, Get(w, p + "mlp.up_proj.weight"));
    for (size_t t = 0; t < n; ++t) {
      for (int i = 0; i < kInter; ++i) {
        const double g = gate[t][i];
        up[t][i] *= g / (1.0 + std::exp(-g));  // silu(gate) * up
      }
    }
    Matrix down = Project(up, Get(w, p + "mlp.down_proj.weight"));
    for (size_t t = 0; t < n; ++t) {
      for (int c = 0; c < kHidden; ++c) x[t][c] += down[t][c];
    }
  }
  x = RmsNorm(x, Get(w, "model.norm.weight"));
  return Project(x, Get(w, tied ? "model.embed_tokens.weight" : "lm_head.weight"));
}

std::string TempDir(const std::string& name) {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string dir = absl::StrCat(base != nullptr ? base : "/tmp", "/", name);
  std::string cmd = absl::StrCat("mkdir -p '", dir, "'");
  CHECK_EQ(std::system(cmd.c_str()), 0);
  return dir;
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

const std::vector<int> kIds = {3, 7, 1, 10, 0, 5, 2};

std::vector<float> OurLogits(const HfLlamaCheckpoint& ckpt) {
  std::unique_ptr<Llm> llm = NewLlamaLlm(ckpt.options);
  CHECK(llm->Build(ckpt.options.vocab_size()).ok());
  absl::Status s = llm->LoadStateDict(ckpt.state);
  CHECK(s.ok()) << s;
  std::vector<int32_t> ids(kIds.begin(), kIds.end());
  absl::StatusOr<Tensor> logits = testing::TokenLogits(
      *llm, Tensor::FromInts({1, static_cast<int64_t>(ids.size())}, ids), Tensor());
  CHECK(logits.ok()) << logits.status();
  return logits->ToVector();
}

void ExpectMatchesReference(const std::vector<float>& got, const Matrix& want) {
  for (size_t t = 0; t < want.size(); ++t) {
    for (int v = 0; v < kVocab; ++v) {
      EXPECT_NEAR(got[t * kVocab + v], want[t][v], 2e-4 * (1 + std::abs(want[t][v])))
          << "token " << t << " vocab " << v;
    }
  }
}

TEST(HfLlama, LoadedCheckpointMatchesThePlainLoopHfForward) {
  const std::string dir = TempDir("untied");
  std::map<std::string, Tensor> hf = HfTensors(/*tied=*/false);
  WriteText(dir + "/config.json", ConfigJson(false));
  ASSERT_TRUE(weights::WriteSafetensors(dir + "/model.safetensors", hf, {{"format", "pt"}}).ok());
  absl::StatusOr<HfLlamaCheckpoint> ckpt = ReadHfLlamaCheckpoint(dir);
  ASSERT_TRUE(ckpt.ok()) << ckpt.status();
  EXPECT_EQ(ckpt->options.kv_heads(), 2);
  EXPECT_FLOAT_EQ(ckpt->options.rope_theta(), 500.0f);
  EXPECT_EQ(ckpt->state.count("head.weight"), 1u);
  ExpectMatchesReference(OurLogits(*ckpt), HfReferenceLogits(hf, kIds, false));

  // Without the q/k row permutation the RoPE pairs differ and so do the logits.
  HfLlamaCheckpoint unpermuted = *ckpt;
  for (int l = 0; l < kLayers; ++l) {
    const std::string p = absl::StrCat("model.layers.", l, ".self_attn.");
    unpermuted.state[absl::StrCat("blocks.", l, ".attn.q.weight")] = hf[p + "q_proj.weight"];
    unpermuted.state[absl::StrCat("blocks.", l, ".attn.k.weight")] = hf[p + "k_proj.weight"];
  }
  std::vector<float> wrong = OurLogits(unpermuted);
  Matrix want = HfReferenceLogits(hf, kIds, false);
  double diff = 0;
  for (size_t t = 0; t < want.size(); ++t) {
    for (int v = 0; v < kVocab; ++v) {
      diff = std::max(diff, std::abs(wrong[t * kVocab + v] - want[t][v]));
    }
  }
  EXPECT_GT(diff, 1e-2);
}

TEST(HfLlama, TiedShardedCheckpoint) {
  const std::string dir = TempDir("tied_sharded");
  std::map<std::string, Tensor> hf = HfTensors(/*tied=*/true);
  std::map<std::string, Tensor> a, b;
  std::string weight_map;
  for (const auto& [name, t] : hf) {
    const bool first = name.find("layers.1.") == std::string::npos;
    (first ? a : b)[name] = t;
    absl::StrAppend(&weight_map, weight_map.empty() ? "" : ", ", "\"", name, "\": \"",
                    first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors",
                    "\"");
  }
  ASSERT_TRUE(weights::WriteSafetensors(dir + "/model-00001-of-00002.safetensors", a).ok());
  ASSERT_TRUE(weights::WriteSafetensors(dir + "/model-00002-of-00002.safetensors", b).ok());
  WriteText(dir + "/model.safetensors.index.json",
            absl::StrCat(R"({"metadata": {}, "weight_map": {)", weight_map, "}}"));
  WriteText(dir + "/config.json", ConfigJson(true));
  absl::StatusOr<HfLlamaCheckpoint> ckpt = ReadHfLlamaCheckpoint(dir);
  ASSERT_TRUE(ckpt.ok()) << ckpt.status();
  EXPECT_TRUE(ckpt->options.tie_embeddings());
  EXPECT_EQ(ckpt->state.count("head.weight"), 0u);
  ExpectMatchesReference(OurLogits(*ckpt), HfReferenceLogits(hf, kIds, true));
}

TEST(HfLlama, NamesRoundTripAndUnknownNamesAreErrors) {
  std::map<std::string, Tensor> hf = HfTensors(false);
  LlamaOptions o = *LlamaOptionsFromHfConfig(ConfigJson(false));
  absl::StatusOr<nn::TensorMap> ours = HfLlamaToVlmlab(hf, o);
  ASSERT_TRUE(ours.ok()) << ours.status();
  EXPECT_EQ(ours->size(), 2u + 9 * kLayers + 1);
  EXPECT_EQ(ours->count("blocks.1.fc3.weight"), 1u);
  // Interleaved pairs: our row 2i + 1 of head 1 is HF's row i + d/2 of head 1.
  std::vector<float> q_ours = (*ours)["blocks.0.attn.q.weight"].ToVector();
  std::vector<float> q_hf = hf["model.layers.0.self_attn.q_proj.weight"].ToVector();
  for (int c = 0; c < kHidden; ++c) {
    EXPECT_EQ(q_ours[(kHeadDim + 3) * kHidden + c], q_hf[(kHeadDim + 1 + 2) * kHidden + c]);
  }
  absl::StatusOr<nn::TensorMap> back = VlmlabToHfLlama(*ours, o);
  ASSERT_TRUE(back.ok()) << back.status();
  for (const auto& [name, t] : hf) {
    if (name.find("inv_freq") != std::string::npos) continue;
    ASSERT_EQ(back->count(name), 1u) << name;
    EXPECT_EQ((*back)[name].ToVector(), t.ToVector()) << name;
  }
  hf["model.layers.0.self_attn.q_proj.bias"] = Tensor::Zeros({kHidden});
  hf["model.layers.5.mlp.up_proj.weight"] = Tensor::Zeros({kInter, kHidden});
  absl::StatusOr<nn::TensorMap> bad = HfLlamaToVlmlab(hf, o);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), ::testing::HasSubstr("model.layers.0.self_attn.q_proj.bias"))
      << bad.status();
  EXPECT_THAT(bad.status().message(), ::testing::HasSubstr("model.layers.5.mlp.up_proj.weight"));
}

TEST(HfLlama, ConfigDefaultsAndErrors) {
  absl::StatusOr<LlamaOptions> o = LlamaOptionsFromHfConfig(
      R"({"hidden_size": 64, "num_hidden_layers": 3, "num_attention_heads": 8,
          "intermediate_size": 128, "vocab_size": 100})");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->kv_heads(), 8);
  EXPECT_FLOAT_EQ(o->rope_theta(), 10000.0f);
  EXPECT_FLOAT_EQ(o->rms_norm_eps(), 1e-6f);
  EXPECT_FALSE(o->tie_embeddings());
  EXPECT_EQ(o->max_seq_len(), 2048);
  EXPECT_EQ(o->intermediate(), 128);

  auto error = [](const std::string& json) {
    absl::StatusOr<LlamaOptions> r = LlamaOptionsFromHfConfig(json, "ckpt/config.json");
    return r.ok() ? std::string("ok") : std::string(r.status().message());
  };
  EXPECT_EQ(error(R"({"num_hidden_layers": 3})"),
            "ckpt/config.json: \"hidden_size\" is missing; a Llama config needs hidden_size, "
            "num_hidden_layers, num_attention_heads, intermediate_size and vocab_size");
  const std::string base = R"("hidden_size": 64, "num_hidden_layers": 3,
      "num_attention_heads": 8, "intermediate_size": 128, "vocab_size": 100)";
  EXPECT_NE(error("{" + base + R"(, "num_key_value_heads": 3})").find("num_key_value_heads"),
            std::string::npos);
  EXPECT_NE(error("{" + base + R"(, "rope_scaling": {"type": "linear", "factor": 2.0}})")
                .find("\"rope_scaling\""),
            std::string::npos);
  EXPECT_NE(error("{" + base + R"(, "model_type": "qwen2"})").find("model_type"),
            std::string::npos);
  EXPECT_NE(error("{" + base + R"(, "attention_bias": true})").find("no biases"),
            std::string::npos);
  EXPECT_THAT(error("{" + base + R"(, "head_dim": 16})"), ::testing::HasSubstr("head_dim"));
  EXPECT_NE(error("{" + base + R"(, "rope_theta": "big"})").find("must be a number"),
            std::string::npos);
  EXPECT_THAT(error(R"({"hidden_size": 64.5})"), ::testing::HasSubstr("must be an integer"));
  EXPECT_THAT(error("[1, 2]"), ::testing::HasSubstr("not a JSON object"));
  EXPECT_THAT(error("{"), ::testing::HasSubstr("not a JSON object"));
  absl::StatusOr<LlamaOptions> missing = ReadHfLlamaConfig("/nonexistent/config.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), ::testing::HasSubstr("/nonexistent/config.json"));
}

}  // namespace
}  // namespace vlmlab::llms
