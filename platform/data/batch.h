// Batch: samples made model-ready (images preprocessed, conversation tokenized) and collated,
// padded on the right to the longest sequence in the batch, one sample per row (CollateBatch)
// or several samples packed into each row (PackBatch).
//
//   VLMLAB_ASSIGN_OR_RETURN(ProcessedSample a, ProcessSample(std::move(sample), tok, image_o,
//   chat_o)); Batch b = CollateBatch({std::move(a), ...}, PadId(tok));
//   // b.input_ids i32 [B, T], b.labels i32 [B, T] (-1 ignored), b.attention_mask i32 [B, T],
//   // b.images f32 [N, C, H, W], sample i's image tensors are the next b.image_counts[i] rows
//   Batch p = PackBatch({{std::move(a), std::move(c)}, {std::move(d)}}, PadId(tok));
//   // row 0 = a's tokens then c's; p.segment_ids 0 0 0 1 1 -1 / 2 2 2 2 -1 -1 (-1 = padding),
//   // p.positions 0 1 2 0 1 0 / 0 1 2 3 0 0, p.samples = {a, c, d}, p.packed
//
// Padding positions hold the pad id, label -1, mask 0, segment -1 and position 0. Samples,
// and their image tensors, are in order of appearance: row by row, left to right (sample 0's
// first, each image's tiles then its global view). When their sizes
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
  Tensor segment_ids;     // i32 [B, T]: index in `samples` of each token's sample, -1 = padding
  Tensor positions;       // i32 [B, T]: position of each token in its sample (0, 1, ...)
  Tensor images;          // f32 [N, C, H, W]; undefined when the batch has no images
  std::vector<int64_t> image_counts;                // image tensors per sample (sum N)
  std::vector<int64_t> image_crops;  // tensors per image (tiles + global view, or 1), in order
  std::vector<std::array<int64_t, 2>> image_sizes;  // (H, W) of each image tensor before padding
  std::vector<Sample> samples;                      // the sources, for evaluators
  // Some row holds more than one sample: the model must get segment_ids and positions
  // (block-diagonal attention, positions restarting per sample).
  bool packed = false;

  int64_t size() const { return static_cast<int64_t>(samples.size()); }  // samples
  int64_t rows() const { return input_ids.defined() ? input_ids.size(0) : 0; }
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

// Row r is the concatenation of rows[r]'s samples in order; rows are right-padded to the
// longest. CHECKs that there is a row and that no row is empty.
Batch PackBatch(std::vector<std::vector<ProcessedSample>> rows, int32_t pad_id,
                bool keep_sample_images = false);

}  // namespace vlmlab::data

#endif  // VLMLAB_PLATFORM_DATA_BATCH_H_
