// Batch: samples made model-ready (images preprocessed, conversation tokenized) and collated,
// padded on the right to the longest sequence in the batch.
//
//   VLMLAB_ASSIGN_OR_RETURN(ProcessedSample a, ProcessSample(std::move(sample), tok, image_o,
//   chat_o)); Batch b = CollateBatch({std::move(a), ...}, PadId(tok));
//   // b.input_ids i32 [B, T], b.labels i32 [B, T] (-1 ignored), b.attention_mask i32 [B, T],
//   // b.images f32 [N, C, H, W], sample i's image tensors are the next b.image_counts[i] rows
//
// Padding positions hold the pad id, label -1 and mask 0. Image tensors are in order of
// appearance (sample 0's first, each image's tiles then its global view). When their sizes
// differ (native-resolution preprocessing) they are zero-padded at the bottom and right to the
// largest height and width of the batch, and image_sizes keeps each one's real size.
#ifndef VLMLAB_PLATFORM_DATA_BATCH_H_
#define VLMLAB_PLATFORM_DATA_BATCH_H_

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/data/chat_template.h"
#include "platform/data/image_preprocess.h"
#include "platform/data/sample.h"
#include "platform/plugin_api/tokenizer.h"
#include "platform/tensor/tensor.h"

namespace vlmlab::data {

struct ProcessedSample {
  Sample sample;
  TokenizedSample tokens;
  std::vector<Tensor> images;  // per image: f32 [n, C, H, W] (n tiles + global view, or 1)
};

struct Batch {
  Tensor input_ids;       // i32 [B, T]
  Tensor labels;          // i32 [B, T], aligned: labels[b, t] is the target of position t
  Tensor attention_mask;  // i32 [B, T], 1 for tokens, 0 for padding
  Tensor images;          // f32 [N, C, H, W]; undefined when the batch has no images
  std::vector<int64_t> image_counts;                // image tensors per sample (sum N)
  std::vector<std::array<int64_t, 2>> image_sizes;  // (H, W) of each image tensor before padding
  std::vector<Sample> samples;                      // the sources, for evaluators

  int64_t size() const { return static_cast<int64_t>(samples.size()); }
};

// Preprocesses the sample's images and applies the chat template. Errors name the sample
// (key and source); an image that does not fit max_length is kResourceExhausted.
absl::StatusOr<ProcessedSample> ProcessSample(Sample sample, const Tokenizer& tokenizer,
                                              const ImagePreprocessOptions& image_options,
                                              const ChatTemplateOptions& chat_options);

// Removes the images and every "<image>" placeholder (turns and preference prompt): the
// text-only variant of a sample.
void StripImages(Sample& sample);

inline constexpr char kNoPreference[] = "has no preference annotation";

// The two rows of a preference pair: {user prompt, assistant chosen} and {user prompt,
// assistant rejected}, both with the sample's images. NotFound (containing kNoPreference)
// without a PreferenceAnnotation.
absl::StatusOr<std::pair<Sample, Sample>> PreferenceRows(Sample sample);

// `keep_sample_images` false clears the decoded Images of Batch::samples (the tensors hold
// them) to save memory. CHECKs that `samples` is not empty.
Batch CollateBatch(std::vector<ProcessedSample> samples, int32_t pad_id,
                   bool keep_sample_images = false);

}  // namespace vlmlab::data

#endif  // VLMLAB_PLATFORM_DATA_BATCH_H_
