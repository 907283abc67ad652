// The model side of evaluation: drawing an evaluation split, generating replies to prompts in
// batches (left-padded, KV-cached; platform/model/generate.h), and scoring candidate replies
// by log-likelihood. Evaluator plugins build on these and on platform/metrics.
//
//   VLMLAB_ASSIGN_OR_RETURN(std::vector<Sample> samples, CollectSamples(*inputs.samples, 500));
//   std::vector<std::string> prompts = ...;          // user text per sample, "<image>" included
//   VLMLAB_ASSIGN_OR_RETURN(std::vector<std::string> replies,
//                           GenerateReplies(model, samples, prompts, spec.generation(), 32, 0));
#ifndef VLMLAB_PLATFORM_EVAL_EVAL_BATCHES_H_
#define VLMLAB_PLATFORM_EVAL_EVAL_BATCHES_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/data/image_preprocess.h"
#include "platform/data/mixture.h"
#include "platform/data/sample.h"
#include "platform/model/vlm_model.h"
#include "platform/spec/evaluators.pb.h"

namespace vlmlab::eval {

// Preprocessing options for `model`'s encoder (Encoder::InputSpec) under the model's current
// ImageSettings (resolution, image splitting): the same for training and evaluation.
absl::StatusOr<data::ImagePreprocessOptions> ImageOptionsForModel(VlmModel& model);

// Every sample of a non-cycling mixture, in its order, at most `max_examples` (0: all). Bad
// samples are skipped and counted in `*skipped` (with a warning) unless `strict`.
absl::StatusOr<std::vector<Sample>> CollectSamples(data::Mixture& mixture, int64_t max_examples,
                                                   bool strict = false, int64_t* skipped = nullptr);

// Earlier turns of each sample's conversation, before the prompt: k-shot demonstrations as
// (user, assistant) pairs (platform/eval/few_shot.h). Empty, or one list per sample (a list
// may be empty); the sample's images must then hold the contexts' images first, in order of
// their "<image>"s.
using Contexts = std::vector<std::vector<Turn>>;

// Generates one reply per sample to the user turn `prompts[i]` (which holds one "<image>" per
// image of the sample), in batches of `batch_size`, with the spec's decoding settings; the
// reply is decoded, cut at the first of the spec's stop strings and trimmed. With
// `contexts` (even empty ones), the demonstrations' answers end with EOS as in training, and a
// prompt that does not fit the LLM's max_seq_len is an error naming the example (without, it
// is cut at max_seq_len).
absl::StatusOr<std::vector<std::string>> GenerateReplies(VlmModel& model,
                                                         const std::vector<Sample>& samples,
                                                         const std::vector<std::string>& prompts,
                                                         const GenerationSpec& generation,
                                                         int batch_size, uint64_t seed,
                                                         const Contexts& contexts = {});

// The decoding options of `generation` for `tokenizer` (its EOS stops), seeded with `seed`.
GenerationOptions GenerationOptionsFor(const GenerationSpec& generation,
                                       const Tokenizer& tokenizer, uint64_t seed);
// A generated sequence as reply text: decoded, cut at the first of the spec's stop strings,
// invalid UTF-8 replaced by U+FFFD, surrounding whitespace trimmed.
absl::StatusOr<std::string> ReplyText(const Tokenizer& tokenizer, const GeneratedSequence& seq,
                                      const GenerationSpec& generation);

// log p(reply | prompt) summed over the reply's tokens (and its EOS), for each (sample i,
// candidate j) of `candidates[i]`; `per_token` divides by the token count. Context turns are
// conditioned on, never scored.
absl::StatusOr<std::vector<std::vector<double>>> ScoreReplies(
    VlmModel& model, const std::vector<Sample>& samples, const std::vector<std::string>& prompts,
    const std::vector<std::vector<std::string>>& candidates, int batch_size, bool per_token,
    const Contexts& contexts = {});

// Progress of the model work an evaluator asks for: while a ProgressScope lives on this thread,
// GenerateReplies and ScoreReplies report (items done, items) after each batch to its
// callback, so `vlmlab run` and `vlmlab eval` can show how far an evaluator has got without
// the evaluator plugins passing anything along. Scopes nest; the innermost reports.
//
//   eval::ProgressScope scope([&](int64_t done, int64_t total) { progress.Update(done); });
class ProgressScope {
 public:
  using Callback = std::function<void(int64_t done, int64_t total)>;
  explicit ProgressScope(Callback callback);
  ~ProgressScope();
  ProgressScope(const ProgressScope&) = delete;
  ProgressScope& operator=(const ProgressScope&) = delete;
  // Calls the innermost scope's callback, if any.
  static void Report(int64_t done, int64_t total);

 private:
  Callback callback_;
  ProgressScope* outer_;
};

// "{question}" in `template_text` replaced by `question`; the images' placeholders first.
std::string FormatPrompt(absl::string_view template_text, absl::string_view question,
                         size_t images);

// A small PNG data URI of the sample's first image (for the eval browser), or "" when the
// sample has none or it is larger than `max_side`.
std::string ImageDataUri(const Sample& sample, int max_side = 128);

}  // namespace vlmlab::eval

#endif  // VLMLAB_PLATFORM_EVAL_EVAL_BATCHES_H_
