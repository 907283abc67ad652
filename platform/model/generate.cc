#include "platform/model/generate.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"
#include "platform/autograd/grad_mode.h"
#include "platform/base/status_macros.h"
#include "platform/ops/shape_ops.h"
#include "platform/tensor/counter_random.h"

namespace vlmlab {
namespace {

absl::Status CheckOptions(const GenerationOptions& o) {
  auto bad = [](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("generate: option ", what));
  };
  if (o.max_new_tokens <= 0)
    return bad(absl::StrCat("max_new_tokens = ", o.max_new_tokens, " must be > 0"));
  if (o.sample && !(o.temperature > 0 && std::isfinite(o.temperature))) {
    return bad(absl::StrCat("temperature = ", o.temperature,
                            " must be > 0 when sampling (use sample = false for greedy)"));
  }
  if (o.top_k < 0) return bad(absl::StrCat("top_k = ", o.top_k, " must be >= 0 (0 = off)"));
  if (!(o.top_p > 0 && o.top_p <= 1)) {
    return bad(absl::StrCat("top_p = ", o.top_p, " must be in (0, 1] (1 = off)"));
  }
  if (o.num_beams < 1) return bad(absl::StrCat("num_beams = ", o.num_beams, " must be >= 1"));
  if (o.num_beams > 1 && o.sample) {
    return bad("num_beams > 1 with sample = true: beam search is greedy only");
  }
  if (!std::isfinite(o.length_penalty)) return bad("length_penalty must be finite");
  for (int32_t id : o.stop_token_ids) {
    if (id < 0) return bad(absl::StrCat("stop_token_ids has a negative id ", id));
  }
  return absl::OkStatus();
}

// The prefix after checking: its mask as values and each sample's number of real tokens.
struct Prefix {
  int64_t batch = 0, length = 0;
  std::vector<int32_t> mask;       // [B, T], 0 or 1
  std::vector<int32_t> positions;  // [B, T]: 0, 1, ... over real tokens, 0 on padding
  std::vector<int64_t> real;       // real tokens per sample
};

absl::StatusOr<Prefix> CheckPrefix(const Tensor& prefix, const Tensor& mask, int64_t hidden) {
  if (!prefix.defined() || prefix.dim() != 3 || prefix.size(2) != hidden ||
      prefix.dtype() == DType::kI32 || prefix.size(0) == 0 || prefix.size(1) == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("generate: prefix ", prefix.defined() ? prefix.DebugString() : "undefined",
                     " must be floating-point [B, T, ", hidden, "] with B, T > 0"));
  }
  Prefix p;
  p.batch = prefix.size(0);
  p.length = prefix.size(1);
  const int64_t n = p.batch * p.length;
  if (mask.defined()) {
    if (mask.dtype() != DType::kI32 || mask.dim() != 2 || mask.size(0) != p.batch ||
        mask.size(1) != p.length) {
      return absl::InvalidArgumentError(absl::StrCat("generate: prefix_mask ", mask.DebugString(),
                                                     " must be i32 [", p.batch, ", ", p.length,
                                                     "] like the prefix"));
    }
    p.mask = mask.ToInts();
    for (int32_t& m : p.mask) m = m != 0 ? 1 : 0;
  } else {
    p.mask.assign(n, 1);
  }
  p.positions.assign(n, 0);
  p.real.assign(p.batch, 0);
  for (int64_t b = 0; b < p.batch; ++b) {
    for (int64_t t = 0; t < p.length; ++t) {
      const int32_t m = p.mask[b * p.length + t];
      if (m == 0 && p.real[b] > 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("generate: prefix_mask sample ", b, " has padding at ", t,
                         " after a real token; pad prefixes on the left (new tokens are appended "
                         "on the right)"));
      }
      if (m != 0) p.positions[b * p.length + t] = static_cast<int32_t>(p.real[b]++);
    }
    if (p.real[b] == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("generate: prefix_mask sample ", b, " has no real token"));
    }
  }
  return p;
}

// Log-softmax of one row, in double.
std::vector<double> LogSoftmax(const float* logits, int64_t v) {
  double max = -INFINITY;
  for (int64_t i = 0; i < v; ++i) max = std::max(max, static_cast<double>(logits[i]));
  double sum = 0;
  for (int64_t i = 0; i < v; ++i) sum += std::exp(logits[i] - max);
  const double lse = max + std::log(sum);
  std::vector<double> out(v);
  for (int64_t i = 0; i < v; ++i) out[i] = logits[i] - lse;
  return out;
}

int32_t Argmax(const float* logits, int64_t v) {
  return static_cast<int32_t>(std::max_element(logits, logits + v) - logits);  // first max
}

// A token drawn with uniform u from softmax(logits / temperature), filtered by top_k / top_p.
int32_t SampleToken(const float* logits, int64_t v, const GenerationOptions& o, float u) {
  std::vector<int32_t> order(v);
  std::iota(order.begin(), order.end(), 0);
  const int64_t k = o.top_k > 0 ? std::min<int64_t>(o.top_k, v) : v;
  auto higher = [&](int32_t a, int32_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  };
  std::partial_sort(order.begin(), order.begin() + k, order.end(), higher);
  order.resize(k);
  std::vector<double> prob(k);
  const double top = logits[order[0]] / static_cast<double>(o.temperature);
  double total = 0;
  for (int64_t i = 0; i < k; ++i) {
    prob[i] = std::exp(logits[order[i]] / static_cast<double>(o.temperature) - top);
    total += prob[i];
  }
  int64_t keep = k;
  if (o.top_p < 1) {
    double cum = 0;
    for (int64_t i = 0; i < k; ++i) {
      cum += prob[i] / total;
      if (cum >= o.top_p) {
        keep = i + 1;
        break;
      }
    }
  }
  double kept = 0;
  for (int64_t i = 0; i < keep; ++i) kept += prob[i];
  const double target = static_cast<double>(u) * kept;
  double cum = 0;
  for (int64_t i = 0; i < keep; ++i) {
    cum += prob[i];
    if (target < cum) return order[i];
  }
  return order[keep - 1];
}

bool IsStop(const GenerationOptions& o, int32_t id) {
  return std::find(o.stop_token_ids.begin(), o.stop_token_ids.end(), id) != o.stop_token_ids.end();
}

// Puts the LLM in eval mode for the duration, then restores its mode.
class EvalMode {
 public:
  explicit EvalMode(Llm& llm) : llm_(llm), was_training_(llm.is_training()) {
    llm_.SetTraining(false);
  }
  ~EvalMode() { llm_.SetTraining(was_training_); }

 private:
  Llm& llm_;
  bool was_training_;
};

// Rows of the batch: which prefix sample each is, and its generated tokens so far with the
// positions and mask values they were (or will be) fed with.
struct Row {
  int64_t sample = 0;
  std::vector<int32_t> ids, positions, mask;
};

// Runs the LLM on every row's prefix followed by its generated tokens (no cache) and returns
// the logits at the last position, [rows, V] row-major.
absl::StatusOr<std::vector<float>> RunFull(Llm& llm, const Tensor& prefix, const Prefix& p,
                                           const std::vector<Row>& rows, const LayerHook* hook,
                                           int64_t* vocab) {
  const int64_t n = static_cast<int64_t>(rows.size()), s = rows[0].ids.size();
  const int64_t len = p.length + s;
  std::vector<Tensor> pieces;
  std::vector<int32_t> ids, positions(n * len), mask(n * len);
  for (int64_t r = 0; r < n; ++r) {
    const Row& row = rows[r];
    VLMLAB_ASSIGN_OR_RETURN(Tensor piece, ops::Slice(prefix, 0, row.sample, row.sample + 1));
    pieces.push_back(piece);
    ids.insert(ids.end(), row.ids.begin(), row.ids.end());
    for (int64_t t = 0; t < len; ++t) {
      const bool pre = t < p.length;
      positions[r * len + t] =
          pre ? p.positions[row.sample * p.length + t] : row.positions[t - p.length];
      mask[r * len + t] = pre ? p.mask[row.sample * p.length + t] : row.mask[t - p.length];
    }
  }
  VLMLAB_ASSIGN_OR_RETURN(Tensor x, ops::Concat(pieces, 0));  // [N, T, H]
  if (s > 0) {
    VLMLAB_ASSIGN_OR_RETURN(Tensor emb, llm.Embed(Tensor::FromInts({n, s}, ids)));
    VLMLAB_ASSIGN_OR_RETURN(x, ops::Concat({x, emb.To(x.dtype())}, 1));  // [N, T + s, H]
  }
  LlmInputs in;
  in.embeddings = x;
  in.positions = Tensor::FromInts({n, len}, positions);
  in.key_padding_mask = Tensor::FromInts({n, len}, mask);
  in.hook = hook;
  VLMLAB_ASSIGN_OR_RETURN(Tensor h, llm.Run(in));              // [N, L, H]
  VLMLAB_ASSIGN_OR_RETURN(h, ops::Slice(h, 1, len - 1, len));  // [N, 1, H]
  VLMLAB_ASSIGN_OR_RETURN(Tensor logits, llm.Logits(h));       // [N, 1, V]
  *vocab = logits.size(-1);
  return logits.ToVector();
}

// Greedy or sampling, with the KV cache or recomputing everything each step.
absl::StatusOr<std::vector<GeneratedSequence>> Decode(Llm& llm, const Tensor& prefix,
                                                      const Prefix& p, const LayerHook* hook,
                                                      const GenerationOptions& o) {
  const int64_t b_n = p.batch, max_len = llm.Shape().max_seq_len;
  std::vector<GeneratedSequence> out(b_n);
  std::vector<bool> active(b_n, true);
  std::vector<Row> rows(b_n);
  for (int64_t b = 0; b < b_n; ++b) rows[b].sample = b;
  std::unique_ptr<KvCache> cache;
  std::vector<int32_t> cached_mask = p.mask;  // [B, T + steps] as fed so far
  int64_t vocab = 0;
  std::vector<float> logits;
  if (o.use_cache) {
    cache = llm.NewCache(b_n, p.length + o.max_new_tokens);
    if (cache == nullptr) {
      return absl::FailedPreconditionError(
          "generate: the LLM made no KV cache (not built?); set use_cache = false to recompute");
    }
    LlmInputs in;
    in.embeddings = prefix;
    in.positions = Tensor::FromInts({b_n, p.length}, p.positions);
    in.key_padding_mask = Tensor::FromInts({b_n, p.length}, p.mask);
    in.cache = cache.get();
    in.hook = hook;
    VLMLAB_ASSIGN_OR_RETURN(Tensor h, llm.Run(in));                        // [B, T, H]
    VLMLAB_ASSIGN_OR_RETURN(h, ops::Slice(h, 1, p.length - 1, p.length));  // [B, 1, H]
    VLMLAB_ASSIGN_OR_RETURN(Tensor l, llm.Logits(h));                      // [B, 1, V]
    vocab = l.size(-1);
    logits = l.ToVector();
  } else {
    VLMLAB_ASSIGN_OR_RETURN(logits, RunFull(llm, prefix, p, rows, hook, &vocab));
  }
  for (int step = 0; step < o.max_new_tokens; ++step) {
    // Choose each active sample's next token from its logits.
    for (int64_t b = 0; b < b_n; ++b) {
      if (!active[b]) continue;
      const float* row = logits.data() + b * vocab;
      int32_t token;
      if (o.sample) {
        const float u = CounterUniform(Mix64(o.seed) ^ Mix64(static_cast<uint64_t>(b)), step);
        token = SampleToken(row, vocab, o, u);
      } else {
        token = Argmax(row, vocab);
      }
      const float lp = static_cast<float>(LogSoftmax(row, vocab)[token]);
      GeneratedSequence& g = out[b];
      g.score += lp;
      const int64_t feed_position = p.real[b] + step;  // where this token would be fed
      if (IsStop(o, token)) {
        g.stop_token = token;
        g.stop_log_prob = lp;
        g.finish = FinishReason::kStopToken;
        active[b] = false;
      } else {
        g.tokens.push_back(token);
        g.log_probs.push_back(lp);
        if (step + 1 == o.max_new_tokens) {
          g.finish = FinishReason::kMaxTokens;
          active[b] = false;
        } else if (feed_position >= max_len) {
          g.finish = FinishReason::kMaxLength;
          active[b] = false;
        }
      }
    }
    if (std::none_of(active.begin(), active.end(), [](bool a) { return a; })) break;
    // Feed the new tokens: finished samples get a masked-out dummy (token 0 at position 0).
    std::vector<int32_t> ids(b_n), positions(b_n), column(b_n);
    for (int64_t b = 0; b < b_n; ++b) {
      ids[b] = active[b] ? out[b].tokens.back() : 0;
      positions[b] = active[b] ? static_cast<int32_t>(p.real[b] + step) : 0;
      column[b] = active[b] ? 1 : 0;
      rows[b].ids.push_back(ids[b]);
      rows[b].positions.push_back(positions[b]);
      rows[b].mask.push_back(column[b]);
    }
    if (o.use_cache) {
      const int64_t width = p.length + step + 1;
      std::vector<int32_t> mask(b_n * width);
      for (int64_t b = 0; b < b_n; ++b) {
        std::copy(cached_mask.begin() + b * (width - 1),
                  cached_mask.begin() + (b + 1) * (width - 1), mask.begin() + b * width);
        mask[b * width + width - 1] = column[b];
      }
      cached_mask = std::move(mask);
      VLMLAB_ASSIGN_OR_RETURN(Tensor emb, llm.Embed(Tensor::FromInts({b_n, 1}, ids)));
      LlmInputs in;
      in.embeddings = emb.To(prefix.dtype());
      in.positions = Tensor::FromInts({b_n, 1}, positions);
      in.key_padding_mask = Tensor::FromInts({b_n, width}, cached_mask);
      in.cache = cache.get();
      in.hook = hook;
      VLMLAB_ASSIGN_OR_RETURN(Tensor h, llm.Run(in));    // [B, 1, H]
      VLMLAB_ASSIGN_OR_RETURN(Tensor l, llm.Logits(h));  // [B, 1, V]
      logits = l.ToVector();
    } else {
      VLMLAB_ASSIGN_OR_RETURN(logits, RunFull(llm, prefix, p, rows, hook, &vocab));
    }
  }
  return out;
}

struct Beam {
  std::vector<int32_t> tokens;
  std::vector<float> log_probs;
  double sum = 0;  // of the log-probs
};

double Normalized(double sum, int64_t length, float penalty) {
  return sum / std::pow(static_cast<double>(length), static_cast<double>(penalty));
}

absl::StatusOr<std::vector<GeneratedSequence>> BeamSearch(Llm& llm, const Tensor& prefix,
                                                          const Prefix& p, const LayerHook* hook,
                                                          const GenerationOptions& o) {
  const int64_t b_n = p.batch, beams = o.num_beams, max_len = llm.Shape().max_seq_len;
  std::vector<std::vector<Beam>> live(b_n, std::vector<Beam>(1));
  std::vector<std::vector<GeneratedSequence>> done(b_n);
  auto finish = [&](int64_t b, const Beam& beam, int32_t stop, float stop_lp, FinishReason reason) {
    GeneratedSequence g;
    g.tokens = beam.tokens;
    g.log_probs = beam.log_probs;
    g.stop_token = stop;
    g.stop_log_prob = stop_lp;
    g.finish = reason;
    const int64_t length = static_cast<int64_t>(beam.tokens.size()) + (stop >= 0 ? 1 : 0);
    g.score = static_cast<float>(Normalized(beam.sum + stop_lp, length, o.length_penalty));
    done[b].push_back(std::move(g));
  };
  for (int step = 0; step < o.max_new_tokens; ++step) {
    std::vector<Row> rows;
    std::vector<std::pair<int64_t, int64_t>> owner;  // (sample, beam) of each row
    for (int64_t b = 0; b < b_n; ++b) {
      for (size_t k = 0; k < live[b].size(); ++k) {
        Row row;
        row.sample = b;
        row.ids = live[b][k].tokens;
        for (int64_t t = 0; t < static_cast<int64_t>(row.ids.size()); ++t) {
          row.positions.push_back(static_cast<int32_t>(p.real[b] + t));
          row.mask.push_back(1);
        }
        rows.push_back(std::move(row));
        owner.emplace_back(b, k);
      }
    }
    if (rows.empty()) break;
    int64_t vocab = 0;
    VLMLAB_ASSIGN_OR_RETURN(std::vector<float> logits, RunFull(llm, prefix, p, rows, hook, &vocab));
    size_t r = 0;
    for (int64_t b = 0; b < b_n; ++b) {
      if (live[b].empty()) continue;
      struct Candidate {
        double score;
        int64_t beam;
        int32_t token;
        float lp;
      };
      std::vector<Candidate> cands;
      for (size_t k = 0; k < live[b].size(); ++k, ++r) {
        std::vector<double> lp = LogSoftmax(logits.data() + r * vocab, vocab);
        for (int64_t v = 0; v < vocab; ++v) {
          cands.push_back({live[b][k].sum + lp[v], static_cast<int64_t>(k), static_cast<int32_t>(v),
                           static_cast<float>(lp[v])});
        }
      }
      const size_t top = std::min<size_t>(cands.size(), 2 * beams);
      std::partial_sort(cands.begin(), cands.begin() + top, cands.end(),
                        [](const Candidate& a, const Candidate& c) {
                          if (a.score != c.score) return a.score > c.score;
                          if (a.beam != c.beam) return a.beam < c.beam;
                          return a.token < c.token;
                        });
      std::vector<Beam> next;
      for (size_t i = 0; i < top && static_cast<int64_t>(next.size()) < beams; ++i) {
        const Candidate& c = cands[i];
        const Beam& from = live[b][c.beam];
        if (IsStop(o, c.token)) {
          if (static_cast<int64_t>(i) < beams) {
            finish(b, from, c.token, c.lp, FinishReason::kStopToken);
          }
          continue;
        }
        Beam beam = from;
        beam.tokens.push_back(c.token);
        beam.log_probs.push_back(c.lp);
        beam.sum = c.score;
        next.push_back(std::move(beam));
      }
      const bool last_step = step + 1 == o.max_new_tokens;
      const bool context_full = p.real[b] + step >= max_len;  // the new tokens' position
      if (static_cast<int64_t>(done[b].size()) >= beams) {
        next.clear();
      } else if (last_step || context_full) {
        for (const Beam& beam : next) {
          finish(b, beam, -1, 0, last_step ? FinishReason::kMaxTokens : FinishReason::kMaxLength);
        }
        next.clear();
      }
      live[b] = std::move(next);
    }
  }
  std::vector<GeneratedSequence> out(b_n);
  for (int64_t b = 0; b < b_n; ++b) {
    if (done[b].empty()) {
      return absl::InternalError(
          absl::StrCat("generate: beam search ended sample ", b, " without a hypothesis"));
    }
    out[b] = *std::max_element(
        done[b].begin(), done[b].end(),
        [](const GeneratedSequence& a, const GeneratedSequence& c) { return a.score < c.score; });
  }
  return out;
}

}  // namespace

const char* FinishReasonName(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStopToken:
      return "stop_token";
    case FinishReason::kMaxTokens:
      return "max_tokens";
    case FinishReason::kMaxLength:
      return "max_length";
  }
  return "unknown";
}

absl::StatusOr<std::vector<GeneratedSequence>> Generate(Llm& llm, const Tensor& prefix,
                                                        const Tensor& prefix_mask,
                                                        const LayerHook* hook,
                                                        const GenerationOptions& options) {
  VLMLAB_RETURN_IF_ERROR(CheckOptions(options));
  VLMLAB_ASSIGN_OR_RETURN(Prefix p, CheckPrefix(prefix, prefix_mask, llm.Shape().hidden));
  if (hook != nullptr && !*hook) hook = nullptr;
  NoGradScope no_grad;
  EvalMode eval(llm);
  if (options.num_beams > 1) return BeamSearch(llm, prefix, p, hook, options);
  return Decode(llm, prefix, p, hook, options);
}

}  // namespace vlmlab
