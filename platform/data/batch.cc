#include "platform/data/batch.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"

namespace vlmlab::data {

absl::StatusOr<ProcessedSample> ProcessSample(Sample sample, const Tokenizer& tokenizer,
                                              const ImagePreprocessOptions& image_options,
                                              const ChatTemplateOptions& chat_options) {
  auto fail = [&](const absl::Status& s) {
    return absl::Status(
        s.code(), absl::StrCat("sample \"", sample.key, "\" (", sample.source, "): ", s.message()));
  };
  ProcessedSample out;
  std::vector<ImageGrid> grids;
  for (size_t i = 0; i < sample.images.size(); ++i) {
    absl::StatusOr<PreprocessedImage> p = PreprocessImage(sample.images[i], image_options);
    if (!p.ok())
      return fail(
          absl::Status(p.status().code(), absl::StrCat("image ", i, ": ", p.status().message())));
    grids.push_back(ImageGrid{p->rows, p->cols});
    out.images.push_back(std::move(p->pixels));
  }
  absl::StatusOr<TokenizedSample> tokens =
      ApplyChatTemplate(sample.turns, grids, tokenizer, chat_options);
  if (!tokens.ok()) return fail(tokens.status());
  out.tokens = std::move(*tokens);
  out.sample = std::move(sample);
  return out;
}

void StripImages(Sample& sample) {
  sample.images.clear();
  const std::string placeholder = kImagePlaceholder;
  auto strip = [&](std::string& text) {
    for (size_t at = text.find(placeholder); at != std::string::npos;
         at = text.find(placeholder, at)) {
      text.erase(at, placeholder.size());
    }
  };
  for (Turn& t : sample.turns) strip(t.text);
  if (sample.preference) strip(sample.preference->prompt);
}

absl::StatusOr<std::pair<Sample, Sample>> PreferenceRows(Sample sample) {
  if (!sample.preference) {
    return absl::NotFoundError(
        absl::StrCat("sample \"", sample.key, "\" (", sample.source, ") ", kNoPreference));
  }
  const PreferenceAnnotation pref = *sample.preference;
  Sample chosen = std::move(sample);
  chosen.turns = {{Turn::kUser, pref.prompt}, {Turn::kAssistant, pref.chosen}};
  Sample rejected = chosen;
  rejected.turns[1].text = pref.rejected;
  return std::make_pair(std::move(chosen), std::move(rejected));
}

Batch CollateBatch(std::vector<ProcessedSample> samples, int32_t pad_id, bool keep_sample_images) {
  CHECK(!samples.empty()) << "CollateBatch of no samples";
  std::vector<std::vector<ProcessedSample>> rows(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) rows[i].push_back(std::move(samples[i]));
  return PackBatch(std::move(rows), pad_id, keep_sample_images);
}

Batch PackBatch(std::vector<std::vector<ProcessedSample>> rows, int32_t pad_id,
                bool keep_sample_images) {
  CHECK(!rows.empty()) << "PackBatch of no rows";
  const int64_t b = static_cast<int64_t>(rows.size());
  int64_t t = 1, count = 0;
  for (const std::vector<ProcessedSample>& row : rows) {
    CHECK(!row.empty()) << "PackBatch: an empty row";
    int64_t len = 0;
    for (const ProcessedSample& s : row) len += static_cast<int64_t>(s.tokens.input_ids.size());
    t = std::max(t, len);
    count += static_cast<int64_t>(row.size());
  }
  Batch batch;
  batch.packed = count > b;
  batch.input_ids = Tensor::Zeros({b, t}, DType::kI32);
  batch.labels = Tensor::Zeros({b, t}, DType::kI32);
  batch.attention_mask = Tensor::Zeros({b, t}, DType::kI32);
  batch.segment_ids = Tensor::Zeros({b, t}, DType::kI32);
  batch.positions = Tensor::Zeros({b, t}, DType::kI32);
  int32_t* ids = batch.input_ids.data<int32_t>();
  int32_t* labels = batch.labels.data<int32_t>();
  int32_t* mask = batch.attention_mask.data<int32_t>();
  int32_t* segments = batch.segment_ids.data<int32_t>();
  int32_t* positions = batch.positions.data<int32_t>();
  std::fill(ids, ids + b * t, pad_id);
  std::fill(labels, labels + b * t, kIgnoreLabel);
  std::fill(segments, segments + b * t, -1);

  int64_t n = 0, channels = 0, max_h = 0, max_w = 0;
  int32_t sample = 0;  // index in batch.samples
  for (int64_t r = 0; r < b; ++r) {
    int64_t at = r * t;  // where the row's next sample starts
    for (const ProcessedSample& s : rows[r]) {
      const TokenizedSample& tok = s.tokens;
      const int64_t len = static_cast<int64_t>(tok.input_ids.size());
      std::copy(tok.input_ids.begin(), tok.input_ids.end(), ids + at);
      std::copy(tok.labels.begin(), tok.labels.end(), labels + at);
      std::fill(mask + at, mask + at + len, 1);
      std::fill(segments + at, segments + at + len, sample++);
      std::iota(positions + at, positions + at + len, 0);
      at += len;
      int64_t images = 0;
      for (const Tensor& img : s.images) {
        images += img.size(0);
        batch.image_crops.push_back(img.size(0));
        channels = img.size(1);
        max_h = std::max(max_h, img.size(2));
        max_w = std::max(max_w, img.size(3));
        for (int64_t k = 0; k < img.size(0); ++k)
          batch.image_sizes.push_back({img.size(2), img.size(3)});
      }
      batch.image_counts.push_back(images);
      n += images;
    }
  }
  if (n > 0) {
    batch.images = Tensor::Zeros({n, channels, max_h, max_w});
    float* dst = batch.images.data<float>();
    const int64_t plane = max_h * max_w;
    for (const std::vector<ProcessedSample>& row : rows) {
      for (const ProcessedSample& s : row) {
        for (const Tensor& img : s.images) {
          const int64_t h = img.size(2), w = img.size(3);
          const float* src = img.data<float>();
          for (int64_t k = 0; k < img.size(0) * channels; ++k) {
            if (h == max_h && w == max_w) {
              std::memcpy(dst, src, sizeof(float) * plane);
            } else {
              for (int64_t y = 0; y < h; ++y)
                std::memcpy(dst + y * max_w, src + y * w, sizeof(float) * w);
            }
            dst += plane;
            src += h * w;
          }
        }
      }
    }
  }
  batch.samples.reserve(count);
  for (std::vector<ProcessedSample>& row : rows) {
    for (ProcessedSample& s : row) {
      if (!keep_sample_images) s.sample.images.clear();
      batch.samples.push_back(std::move(s.sample));
    }
  }
  return batch;
}

}  // namespace vlmlab::data
