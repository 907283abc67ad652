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
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/data/image_preprocess.h"
#include "platform/data/mixture.h"
#include "platform/data/sample.h"
#include "platform/model/vlm_model.h"
#include "platform/spec/evaluators.pb.h"

namespace vlmlab::eval {

// Preprocessing options for `model`'s encoder (Encoder::InputSpec) at `image_size` (0: its
// configured size): the same for training and evaluation.
absl::StatusOr<data::ImagePreprocessOptions> ImageOptionsForModel(VlmModel& model,
                                                                  int image_size);

// Every sample of a non-cycling mixture, in its order, at most `max_examples` (0: all). Bad
// samples are skipped and counted in `*skipped` (with a warning) unless `strict`.
absl::StatusOr<std::vector<Sample>> CollectSamples(data::Mixture& mixture, int64_t max_examples,
                                                   bool strict = false, int64_t* skipped = nullptr);

// Generates one reply per sample to the user turn `prompts[i]` (which holds one "<image>" per
// image of the sample), in batches of `batch_size`, with the spec's decoding settings; the
// reply is decoded, cut at the first of the spec's stop strings and trimmed.
absl::StatusOr<std::vector<std::string>> GenerateReplies(VlmModel& model,
                                                         const std::vector<Sample>& samples,
                                                         const std::vector<std::string>& prompts,
                                                         const GenerationSpec& generation,
                                                         int batch_size, uint64_t seed);

// log p(reply | prompt) summed over the reply's tokens (and its EOS), for each (sample i,
// candidate j) of `candidates[i]`; `per_token` divides by the token count.
absl::StatusOr<std::vector<std::vector<double>>> ScoreReplies(
    VlmModel& model, const std::vector<Sample>& samples, const std::vector<std::string>& prompts,
    const std::vector<std::vector<std::string>>& candidates, int batch_size, bool per_token);

// "{question}" in `template_text` replaced by `question`; the images' placeholders first.
std::string FormatPrompt(absl::string_view template_text, absl::string_view question,
                         size_t images);

// A small PNG data URI of the sample's first image (for the eval browser), or "" when the
// sample has none or it is larger than `max_side`.
std::string ImageDataUri(const Sample& sample, int max_side = 128);

}  // namespace vlmlab::eval

#endif  // VLMLAB_PLATFORM_EVAL_EVAL_BATCHES_H_
