#include "plugins/llms/hf_llama_names.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "platform/base/file_io.h"
#include "platform/base/status_macros.h"
#include "platform/weights/checkpoint_files.h"

namespace vlmlab::llms {
namespace {

using Json = nlohmann::json;

// Reads config fields with errors naming the source and the field.
class ConfigReader {
 public:
  ConfigReader(const Json& j, absl::string_view source) : j_(j), source_(source) {}

  absl::Status Error(absl::string_view field, absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(source_, ": \"", field, "\" ", what));
  }
  bool Has(const char* field) const { return j_.contains(field) && !j_[field].is_null(); }

  absl::StatusOr<int64_t> Int(const char* field, std::optional<int64_t> fallback) const {
    if (!Has(field)) {
      if (fallback.has_value()) return *fallback;
      return Error(field,
                   "is missing; a Llama config needs hidden_size, num_hidden_layers, "
                   "num_attention_heads, intermediate_size and vocab_size");
    }
    const Json& v = j_[field];
    if (!v.is_number_integer())
      return Error(field, absl::StrCat("must be an integer, got ", v.dump()));
    const int64_t x = v.get<int64_t>();
    if (x <= 0 || x > (int64_t{1} << 31) - 1) {
      return Error(field, absl::StrCat("must be a positive 32-bit integer, got ", x));
    }
    return x;
  }
  absl::StatusOr<double> Number(const char* field, double fallback) const {
    if (!Has(field)) return fallback;
    const Json& v = j_[field];
    if (!v.is_number()) return Error(field, absl::StrCat("must be a number, got ", v.dump()));
    const double x = v.get<double>();
    if (!(x > 0)) return Error(field, absl::StrCat("must be > 0, got ", v.dump()));
    return x;
  }
  absl::StatusOr<bool> Bool(const char* field, bool fallback) const {
    if (!Has(field)) return fallback;
    const Json& v = j_[field];
    if (!v.is_boolean()) return Error(field, absl::StrCat("must be true or false, got ", v.dump()));
    return v.get<bool>();
  }

 private:
  const Json& j_;
  std::string source_;
};

// Row permutation within each head of a [heads * d, in] projection:
// to_interleaved: ours[2i] = hf[i], ours[2i + 1] = hf[i + d/2]; else the inverse.
absl::StatusOr<Tensor> PermuteRopeRows(const Tensor& w, int64_t heads, bool to_interleaved,
                                       absl::string_view name) {
  if (w.dim() != 2 || w.size(0) % heads != 0 || (w.size(0) / heads) % 2 != 0) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": shape ", ShapeString(w.shape()),
                                                   " is not [", heads, " * head_dim, hidden]"));
  }
  const Tensor src = w.Contiguous();
  VLMLAB_ASSIGN_OR_RETURN(Tensor dst, Tensor::Empty(w.shape(), w.dtype()));
  const int64_t d = w.size(0) / heads;
  const size_t row = static_cast<size_t>(w.size(1)) * DTypeSize(w.dtype());
  const char* from = static_cast<const char*>(src.raw_data());
  char* to = static_cast<char*>(dst.raw_data());
  for (int64_t h = 0; h < heads; ++h) {
    for (int64_t i = 0; i < d / 2; ++i) {
      for (int64_t half = 0; half < 2; ++half) {
        const int64_t ours = h * d + 2 * i + half, hf = h * d + i + half * (d / 2);
        const int64_t dst_row = to_interleaved ? ours : hf, src_row = to_interleaved ? hf : ours;
        std::memcpy(to + dst_row * row, from + src_row * row, row);
      }
    }
  }
  return dst;
}

// Per-layer names: Hugging Face suffix (after "model.layers.N.") -> ours (after "blocks.N.").
const std::vector<std::pair<std::string, std::string>>& LayerNames() {
  static const auto* names = new std::vector<std::pair<std::string, std::string>>{
      {"input_layernorm.weight", "norm1.weight"},
      {"self_attn.q_proj.weight", "attn.q.weight"},
      {"self_attn.k_proj.weight", "attn.k.weight"},
      {"self_attn.v_proj.weight", "attn.v.weight"},
      {"self_attn.o_proj.weight", "attn.o.weight"},
      {"post_attention_layernorm.weight", "norm2.weight"},
      {"mlp.gate_proj.weight", "fc1.weight"},
      {"mlp.up_proj.weight", "fc3.weight"},
      {"mlp.down_proj.weight", "fc2.weight"},
  };
  return *names;
}

int64_t KvHeads(const LlamaOptions& o) { return o.kv_heads() > 0 ? o.kv_heads() : o.heads(); }

std::string ListSome(const std::vector<std::string>& names) {
  std::vector<std::string> shown(names.begin(), names.begin() + std::min<size_t>(names.size(), 8));
  std::string s = absl::StrJoin(shown, ", ");
  if (names.size() > shown.size()) absl::StrAppend(&s, ", ... (", names.size(), " in all)");
  return s;
}

}  // namespace

absl::StatusOr<LlamaOptions> LlamaOptionsFromHfConfig(absl::string_view json_text,
                                                      absl::string_view source) {
  Json j = Json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": not a JSON object"));
  }
  ConfigReader r(j, source);
  if (r.Has("model_type")) {
    const Json& t = j["model_type"];
    if (!t.is_string() || (t.get<std::string>() != "llama" && t.get<std::string>() != "mistral")) {
      return r.Error("model_type", absl::StrCat("is ", t.dump(),
                                                "; only \"llama\" and \"mistral\" checkpoints map "
                                                "onto the llama plugin"));
    }
  }
  if (r.Has("rope_scaling")) {
    return r.Error("rope_scaling", absl::StrCat("is ", j["rope_scaling"].dump(),
                                                "; scaled RoPE is not supported (null only)"));
  }
  if (r.Has("hidden_act") && j["hidden_act"] != "silu") {
    return r.Error("hidden_act", absl::StrCat("is ", j["hidden_act"].dump(),
                                              "; the llama plugin's MLP is SwiGLU (\"silu\")"));
  }
  for (const char* bias : {"attention_bias", "mlp_bias"}) {
    VLMLAB_ASSIGN_OR_RETURN(bool on, r.Bool(bias, false));
    if (on) return r.Error(bias, "is true; the llama plugin has no biases");
  }
  VLMLAB_ASSIGN_OR_RETURN(int64_t hidden, r.Int("hidden_size", std::nullopt));
  VLMLAB_ASSIGN_OR_RETURN(int64_t layers, r.Int("num_hidden_layers", std::nullopt));
  VLMLAB_ASSIGN_OR_RETURN(int64_t heads, r.Int("num_attention_heads", std::nullopt));
  VLMLAB_ASSIGN_OR_RETURN(int64_t kv_heads, r.Int("num_key_value_heads", heads));
  VLMLAB_ASSIGN_OR_RETURN(int64_t intermediate, r.Int("intermediate_size", std::nullopt));
  VLMLAB_ASSIGN_OR_RETURN(int64_t vocab, r.Int("vocab_size", std::nullopt));
  VLMLAB_ASSIGN_OR_RETURN(int64_t max_len, r.Int("max_position_embeddings", 2048));
  VLMLAB_ASSIGN_OR_RETURN(double theta, r.Number("rope_theta", 10000.0));
  VLMLAB_ASSIGN_OR_RETURN(double eps, r.Number("rms_norm_eps", 1e-6));
  VLMLAB_ASSIGN_OR_RETURN(bool tied, r.Bool("tie_word_embeddings", false));
  if (hidden % heads != 0 || (hidden / heads) % 2 != 0) {
    return r.Error("num_attention_heads",
                   absl::StrCat(heads, " must divide hidden_size ", hidden, " into even heads"));
  }
  if (heads % kv_heads != 0) {
    return r.Error("num_key_value_heads",
                   absl::StrCat(kv_heads, " must divide num_attention_heads ", heads));
  }
  if (r.Has("head_dim")) {
    VLMLAB_ASSIGN_OR_RETURN(int64_t head_dim, r.Int("head_dim", std::nullopt));
    if (head_dim != hidden / heads) {
      return r.Error("head_dim", absl::StrCat("is ", head_dim,
                                              " but the llama plugin needs "
                                              "hidden_size / num_attention_heads = ",
                                              hidden / heads));
    }
  }
  if (r.Has("sliding_window")) {
    return r.Error("sliding_window", "is set; sliding-window attention is not supported (null)");
  }
  LlamaOptions o;
  o.set_vocab_size(static_cast<int32_t>(vocab));
  o.set_hidden(static_cast<int32_t>(hidden));
  o.set_layers(static_cast<int32_t>(layers));
  o.set_heads(static_cast<int32_t>(heads));
  o.set_kv_heads(static_cast<int32_t>(kv_heads));
  o.set_intermediate(static_cast<int32_t>(intermediate));
  o.set_rope_theta(static_cast<float>(theta));
  o.set_max_seq_len(static_cast<int32_t>(max_len));
  o.set_tie_embeddings(tied);
  o.set_rms_norm_eps(static_cast<float>(eps));
  return o;
}

absl::StatusOr<LlamaOptions> ReadHfLlamaConfig(const std::string& path) {
  VLMLAB_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path, 64 << 20));
  return LlamaOptionsFromHfConfig(text, path);
}

absl::StatusOr<nn::TensorMap> HfLlamaToVlmlab(const nn::TensorMap& hf,
                                              const LlamaOptions& options) {
  nn::TensorMap out;
  std::vector<std::string> unknown;
  for (const auto& [name, t] : hf) {
    if (absl::EndsWith(name, ".rotary_emb.inv_freq")) continue;
    if (name == "model.embed_tokens.weight") {
      out["embed.weight"] = t;
    } else if (name == "model.norm.weight") {
      out["norm.weight"] = t;
    } else if (name == "lm_head.weight") {
      if (!options.tie_embeddings()) out["head.weight"] = t;
    } else if (absl::StartsWith(name, "model.layers.")) {
      const absl::string_view rest = absl::string_view(name).substr(13);
      const size_t dot = rest.find('.');
      int layer = -1;
      if (dot == absl::string_view::npos || !absl::SimpleAtoi(rest.substr(0, dot), &layer) ||
          layer < 0 || layer >= options.layers()) {
        unknown.push_back(name);
        continue;
      }
      const absl::string_view suffix = rest.substr(dot + 1);
      bool found = false;
      for (const auto& [theirs, ours] : LayerNames()) {
        if (suffix != theirs) continue;
        found = true;
        Tensor value = t;
        if (ours == "attn.q.weight" || ours == "attn.k.weight") {
          const int64_t heads = ours == "attn.q.weight" ? options.heads() : KvHeads(options);
          VLMLAB_ASSIGN_OR_RETURN(value, PermuteRopeRows(t, heads, /*to_interleaved=*/true, name));
        }
        out[absl::StrCat("blocks.", layer, ".", ours)] = value;
      }
      if (!found) unknown.push_back(name);
    } else {
      unknown.push_back(name);
    }
  }
  if (!unknown.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Hugging Face Llama checkpoint: tensors the llama plugin has no place for (biases, "
        "layers beyond num_hidden_layers = ",
        options.layers(), ", another architecture?): ", ListSome(unknown)));
  }
  return out;
}

absl::StatusOr<nn::TensorMap> VlmlabToHfLlama(const nn::TensorMap& state,
                                              const LlamaOptions& options) {
  nn::TensorMap out;
  std::vector<std::string> unknown;
  for (const auto& [name, t] : state) {
    if (name == "embed.weight") {
      out["model.embed_tokens.weight"] = t;
    } else if (name == "norm.weight") {
      out["model.norm.weight"] = t;
    } else if (name == "head.weight") {
      out["lm_head.weight"] = t;
    } else if (absl::StartsWith(name, "blocks.")) {
      const absl::string_view rest = absl::string_view(name).substr(7);
      const size_t dot = rest.find('.');
      int layer = -1;
      bool found = false;
      if (dot != absl::string_view::npos && absl::SimpleAtoi(rest.substr(0, dot), &layer)) {
        const absl::string_view suffix = rest.substr(dot + 1);
        for (const auto& [theirs, ours] : LayerNames()) {
          if (suffix != ours) continue;
          found = true;
          Tensor value = t;
          if (ours == "attn.q.weight" || ours == "attn.k.weight") {
            const int64_t heads = ours == "attn.q.weight" ? options.heads() : KvHeads(options);
            VLMLAB_ASSIGN_OR_RETURN(value,
                                    PermuteRopeRows(t, heads, /*to_interleaved=*/false, name));
          }
          out[absl::StrCat("model.layers.", layer, ".", theirs)] = value;
        }
      }
      if (!found) unknown.push_back(name);
    } else {
      unknown.push_back(name);
    }
  }
  if (!unknown.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "llama state dict: names with no Hugging Face counterpart (LoRA wrappers? merge them "
        "first): ",
        ListSome(unknown)));
  }
  return out;
}

absl::StatusOr<HfLlamaCheckpoint> ReadHfLlamaCheckpoint(const std::string& dir) {
  HfLlamaCheckpoint ckpt;
  VLMLAB_ASSIGN_OR_RETURN(ckpt.options, ReadHfLlamaConfig(absl::StrCat(dir, "/config.json")));
  VLMLAB_ASSIGN_OR_RETURN(weights::SafetensorsFile f, weights::ReadCheckpointTensors(dir));
  ckpt.notes = std::move(f.notes);
  const nn::TensorMap& hf = f.tensors;
  VLMLAB_ASSIGN_OR_RETURN(ckpt.state, HfLlamaToVlmlab(hf, ckpt.options));
  return ckpt;
}

}  // namespace vlmlab::llms
