#include "platform/eval/eval_batches.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "glog/logging.h"
#include "platform/autograd/grad_mode.h"
#include "platform/base/status_macros.h"
#include "platform/data/batch.h"
#include "platform/data/chat_template.h"
#include "platform/image/codec.h"
#include "platform/model/generate.h"
#include "platform/model/model_inputs.h"

namespace vlmlab::eval {
namespace {

data::ChatTemplateOptions ChatOptions(const VlmModel& model, bool add_eos) {
  data::ChatTemplateOptions o;
  o.layout = model.layout();
  o.add_eos = add_eos;
  o.assistant_only = true;
  o.max_length = model.summary().llm_shape.max_seq_len;
  return o;
}

// The sample with its conversation replaced by the context turns (if any), one user turn and
// one assistant turn.
Sample WithTurns(const Sample& s, const Contexts& contexts, size_t i, const std::string& user,
                 const std::string& assistant) {
  Sample out;
  out.key = s.key;
  out.source = s.source;
  out.images = s.images;
  if (!contexts.empty()) out.turns = contexts[i];
  out.turns.push_back({Turn::kUser, user});
  out.turns.push_back({Turn::kAssistant, assistant});
  return out;
}

// What a context changes in a tokenized sample: for generation (`open_reply`) the EOS the
// template put after the empty final reply is removed (the demonstrations keep theirs); for
// scoring only the final reply's labels stay. A cut prompt is an error.
absl::Status FitContext(const std::string& key, int32_t eos, bool open_reply, int64_t max_length,
                        data::TokenizedSample& t) {
  if (t.truncated) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "example ", key, ": the prompt (with its in-context demonstrations, if any) is longer "
        "than the LLM's max_seq_len of ", max_length,
        " tokens; use fewer shots, a shorter prompt or a longer max_seq_len"));
  }
  if (open_reply) {
    if (eos >= 0 && !t.input_ids.empty() && t.input_ids.back() == eos) {
      t.input_ids.pop_back();
      t.labels.pop_back();
      if (!t.labels.empty()) t.labels.back() = data::kIgnoreLabel;
    }
    return absl::OkStatus();
  }
  // The final reply's targets are the last run of labelled positions.
  size_t end = t.labels.size();
  while (end > 0 && t.labels[end - 1] == data::kIgnoreLabel) --end;
  size_t begin = end;
  while (begin > 0 && t.labels[begin - 1] != data::kIgnoreLabel) --begin;
  for (size_t i = 0; i < begin; ++i) t.labels[i] = data::kIgnoreLabel;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<data::ProcessedSample>> Process(VlmModel& model,
                                                           std::vector<Sample> samples,
                                                           bool add_eos, bool with_context) {
  VLMLAB_ASSIGN_OR_RETURN(data::ImagePreprocessOptions image, ImageOptionsForModel(model));
  // With a context the demonstrations' answers end with EOS even when generating.
  data::ChatTemplateOptions chat = ChatOptions(model, add_eos || with_context);
  const int32_t eos = model.tokenizer().SpecialId(SpecialToken::kEos);
  std::vector<data::ProcessedSample> out;
  for (Sample& s : samples) {
    std::string key = s.key;
    absl::StatusOr<data::ProcessedSample> p =
        data::ProcessSample(std::move(s), model.tokenizer(), image, chat);
    if (!p.ok()) {
      return absl::Status(p.status().code(),
                          absl::StrCat("example ", key, ": ", p.status().message()));
    }
    if (with_context) {
      VLMLAB_RETURN_IF_ERROR(FitContext(key, eos, !add_eos, chat.max_length, p->tokens));
    }
    out.push_back(std::move(*p));
  }
  return out;
}

absl::Status CheckContexts(const Contexts& contexts, size_t samples, const char* function) {
  if (!contexts.empty() && contexts.size() != samples) {
    return absl::InvalidArgumentError(
        absl::StrCat(function, ": one context per sample (", contexts.size(), " for ", samples,
                     ")"));
  }
  return absl::OkStatus();
}

// Left-padded prompts: generation appends after the last column.
absl::StatusOr<ModelInputs> LeftPadded(const std::vector<data::ProcessedSample>& rows,
                                       int32_t pad) {
  int64_t b = static_cast<int64_t>(rows.size()), t = 0;
  for (const auto& r : rows) t = std::max<int64_t>(t, r.tokens.input_ids.size());
  std::vector<int32_t> ids(b * t, pad), mask(b * t, 0);
  std::vector<Tensor> images;
  for (int64_t i = 0; i < b; ++i) {
    const std::vector<int32_t>& src = rows[i].tokens.input_ids;
    int64_t off = t - static_cast<int64_t>(src.size());
    for (size_t j = 0; j < src.size(); ++j) {
      ids[i * t + off + j] = src[j];
      mask[i * t + off + j] = 1;
    }
    for (const Tensor& im : rows[i].images) images.push_back(im);
  }
  ModelInputs in;
  for (const Tensor& im : images) in.image_crops.push_back(im.size(0));
  in.input_ids = Tensor::FromInts({b, t}, ids);
  in.key_padding_mask = Tensor::FromInts({b, t}, mask);
  if (!images.empty()) {
    // Every image tensor, zero-padded at the bottom and right to the largest (native
    // resolution), with its own size kept so that the encoder masks the padding.
    int64_t n = 0, max_h = 0, max_w = 0;
    for (const Tensor& im : images) {
      n += im.size(0);
      max_h = std::max(max_h, im.size(2));
      max_w = std::max(max_w, im.size(3));
    }
    const int64_t channels = images[0].size(1);
    Tensor all = Tensor::Zeros({n, channels, max_h, max_w});
    float* dst = all.data<float>();
    for (const Tensor& im : images) {
      if (im.size(1) != channels) {
        return absl::InvalidArgumentError(absl::StrCat("evaluation batch: images with ", channels,
                                                       " and ", im.size(1), " channels"));
      }
      Tensor c = im.Contiguous();
      const int64_t h = im.size(2), w = im.size(3);
      const float* src = c.data<float>();
      for (int64_t k = 0; k < im.size(0); ++k) {
        in.image_sizes.push_back({h, w});
        for (int64_t ch = 0; ch < channels; ++ch, dst += max_h * max_w, src += h * w) {
          for (int64_t y = 0; y < h; ++y)
            std::memcpy(dst + y * max_w, src + y * w, sizeof(float) * w);
        }
      }
    }
    in.images = all;
  }
  return in;
}

// `text` with every byte that is not part of a valid UTF-8 sequence replaced by U+FFFD: a
// model can generate any byte sequence, and predictions go into JSON.
std::string ValidUtf8(const std::string& text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len > 0 && i + len <= text.size();
    for (int k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    }
    if (ok) {
      out.append(text, i, len);
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<data::ImagePreprocessOptions> ImageOptionsForModel(VlmModel& model) {
  VLMLAB_ASSIGN_OR_RETURN(Encoder * encoder, model.encoder());
  ImageInputSpec in = encoder->InputSpec();
  if (in.size <= 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "encoder \"", model.summary().encoder,
        "\" does not declare its input image size (Encoder::InputSpec), so images cannot be "
        "prepared for it"));
  }
  const ImageSettings& settings = model.image_settings();
  data::ImagePreprocessOptions o;
  o.size = settings.image_size > 0 ? settings.image_size : static_cast<int>(in.size);
  o.max_tiles_per_side = settings.max_tiles_per_side;
  o.patch_size = static_cast<int>(in.patch);
  o.channels = static_cast<int>(in.channels);
  o.mode = in.native_resolution ? data::ResizeMode::kNative : data::ResizeMode::kPad;
  for (int c = 0; c < 3; ++c) {
    o.norm.mean[c] = in.mean[c];
    o.norm.std[c] = in.std[c];
  }
  return o;
}

absl::StatusOr<std::vector<Sample>> CollectSamples(data::Mixture& mixture, int64_t max_examples,
                                                   bool strict, int64_t* skipped) {
  std::vector<Sample> out;
  int64_t bad = 0;
  while (max_examples <= 0 || static_cast<int64_t>(out.size()) < max_examples) {
    VLMLAB_ASSIGN_OR_RETURN(std::optional<data::Mixture::Draw> draw, mixture.Next());
    if (!draw.has_value()) break;
    absl::StatusOr<Sample> s = draw->task();
    if (!s.ok()) {
      if (strict) return s.status();
      ++bad;
      LOG(WARNING) << "evaluation sample skipped: " << s.status();
      continue;
    }
    out.push_back(std::move(*s));
  }
  if (skipped != nullptr) *skipped = bad;
  return out;
}

std::string FormatPrompt(absl::string_view template_text, absl::string_view question,
                         size_t images) {
  std::string out;
  for (size_t i = 0; i < images; ++i) out += kImagePlaceholder;
  out += absl::StrReplaceAll(template_text, {{"{question}", question}});
  return out;
}

absl::StatusOr<std::vector<std::string>> GenerateReplies(VlmModel& model,
                                                         const std::vector<Sample>& samples,
                                                         const std::vector<std::string>& prompts,
                                                         const GenerationSpec& generation,
                                                         int batch_size, uint64_t seed,
                                                         const Contexts& contexts) {
  if (prompts.size() != samples.size()) {
    return absl::InvalidArgumentError("GenerateReplies: one prompt per sample");
  }
  VLMLAB_RETURN_IF_ERROR(CheckContexts(contexts, samples.size(), "GenerateReplies"));
  const Tokenizer& tok = model.tokenizer();
  GenerationOptions g = GenerationOptionsFor(generation, tok, seed);
  std::vector<std::string> replies;
  NoGradScope no_grad;
  batch_size = std::max(batch_size, 1);
  for (size_t begin = 0; begin < samples.size(); begin += batch_size) {
    size_t end = std::min(samples.size(), begin + batch_size);
    std::vector<Sample> chunk;
    for (size_t i = begin; i < end; ++i) {
      chunk.push_back(WithTurns(samples[i], contexts, i, prompts[i], ""));
    }
    VLMLAB_ASSIGN_OR_RETURN(
        std::vector<data::ProcessedSample> rows,
        Process(model, std::move(chunk), /*add_eos=*/false, !contexts.empty()));
    VLMLAB_ASSIGN_OR_RETURN(ModelInputs in, LeftPadded(rows, data::PadId(tok)));
    g.seed = seed + begin;
    VLMLAB_ASSIGN_OR_RETURN(std::vector<GeneratedSequence> out, model.Generate(in, g));
    for (const GeneratedSequence& seq : out) {
      VLMLAB_ASSIGN_OR_RETURN(std::string text, ReplyText(tok, seq, generation));
      replies.push_back(std::move(text));
    }
    ProgressScope::Report(static_cast<int64_t>(end), static_cast<int64_t>(samples.size()));
  }
  return replies;
}

GenerationOptions GenerationOptionsFor(const GenerationSpec& generation,
                                       const Tokenizer& tokenizer, uint64_t seed) {
  GenerationOptions g;
  g.max_new_tokens = generation.max_new_tokens();
  int32_t eos = tokenizer.SpecialId(SpecialToken::kEos);
  if (eos >= 0) g.stop_token_ids.push_back(eos);
  g.sample = generation.decoding() == GenerationSpec::SAMPLE;
  g.temperature = generation.temperature();
  g.top_k = generation.top_k();
  g.top_p = generation.top_p();
  g.num_beams = generation.decoding() == GenerationSpec::BEAM ? generation.num_beams() : 1;
  g.seed = seed;
  return g;
}

absl::StatusOr<std::string> ReplyText(const Tokenizer& tokenizer, const GeneratedSequence& seq,
                                      const GenerationSpec& generation) {
  VLMLAB_ASSIGN_OR_RETURN(std::string text, tokenizer.Decode(seq.tokens));
  for (const std::string& stop : generation.stop()) {
    size_t at = text.find(stop);
    if (!stop.empty() && at != std::string::npos) text.resize(at);
  }
  return std::string(absl::StripAsciiWhitespace(ValidUtf8(text)));
}

absl::StatusOr<std::vector<std::vector<double>>> ScoreReplies(
    VlmModel& model, const std::vector<Sample>& samples, const std::vector<std::string>& prompts,
    const std::vector<std::vector<std::string>>& candidates, int batch_size, bool per_token,
    const Contexts& contexts) {
  if (prompts.size() != samples.size() || candidates.size() != samples.size()) {
    return absl::InvalidArgumentError("ScoreReplies: one prompt and candidate list per sample");
  }
  VLMLAB_RETURN_IF_ERROR(CheckContexts(contexts, samples.size(), "ScoreReplies"));
  std::vector<std::pair<size_t, size_t>> pairs;
  for (size_t i = 0; i < candidates.size(); ++i) {
    for (size_t j = 0; j < candidates[i].size(); ++j) pairs.push_back({i, j});
  }
  std::vector<std::vector<double>> scores(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) scores[i].resize(candidates[i].size());
  NoGradScope no_grad;
  batch_size = std::max(batch_size, 1);
  for (size_t begin = 0; begin < pairs.size(); begin += batch_size) {
    size_t end = std::min(pairs.size(), begin + batch_size);
    std::vector<Sample> chunk;
    for (size_t k = begin; k < end; ++k) {
      auto [i, j] = pairs[k];
      chunk.push_back(WithTurns(samples[i], contexts, i, prompts[i], candidates[i][j]));
    }
    VLMLAB_ASSIGN_OR_RETURN(
        std::vector<data::ProcessedSample> rows,
        Process(model, std::move(chunk), /*add_eos=*/true, !contexts.empty()));
    std::vector<int64_t> counts;
    for (const auto& r : rows) {
      int64_t n = 0;
      for (int32_t l : r.tokens.labels) n += l != data::kIgnoreLabel;
      counts.push_back(std::max<int64_t>(n, 1));
    }
    data::Batch batch = data::CollateBatch(std::move(rows), data::PadId(model.tokenizer()));
    VLMLAB_ASSIGN_OR_RETURN(Tensor logp, model.SequenceLogProbs(ToModelInputs(batch)));
    ProgressScope::Report(static_cast<int64_t>(end), static_cast<int64_t>(pairs.size()));
    std::vector<float> v = logp.ToVector();
    for (size_t k = begin; k < end; ++k) {
      auto [i, j] = pairs[k];
      double s = v[k - begin];
      scores[i][j] = per_token ? s / counts[k - begin] : s;
    }
  }
  return scores;
}

std::string ImageDataUri(const Sample& sample, int max_side) {
  if (sample.images.empty()) return "";
  const Image& im = sample.images[0];
  if (im.width > max_side || im.height > max_side) return "";
  absl::StatusOr<std::string> png = EncodePng(im);
  if (!png.ok()) return "";
  return absl::StrCat("data:image/png;base64,", absl::Base64Escape(*png));
}

namespace {
thread_local ProgressScope* current_scope = nullptr;
}  // namespace

ProgressScope::ProgressScope(Callback callback)
    : callback_(std::move(callback)), outer_(current_scope) {
  current_scope = this;
}

ProgressScope::~ProgressScope() { current_scope = outer_; }

void ProgressScope::Report(int64_t done, int64_t total) {
  if (current_scope != nullptr && current_scope->callback_) current_scope->callback_(done, total);
}

}  // namespace vlmlab::eval
