// DataLoader: batches from a Mixture, with decoding, preprocessing and tokenisation done ahead
// by a pool of worker threads so a training step never waits on data.
//
//   LoaderOptions o;
//   o.batch_size = 32;
//   o.chat.layout = fusion.Layout(visual);   // placeholders per image, delimiters
//   o.chat.max_length = 512;
//   VLMLAB_ASSIGN_OR_RETURN(auto loader, DataLoader::Create(std::move(mixture), &tokenizer, o));
//   while (true) {
//     VLMLAB_ASSIGN_OR_RETURN(std::optional<Batch> batch, loader->Next());
//     if (!batch) break;                            // only a non-cycling mixture ends
//     Train(*batch);
//     checkpoint.data_position = loader->position().ToString();
//   }
//   // restart: DataLoader::Create(..., &saved_position) continues with the very next batch
//
// Threads: one producer draws from the mixture (serially: the order is the mixture's) into a
// bounded window of `prefetch_batches * batch_size` samples; `num_workers` threads materialise
// them (read, decode, preprocess, tokenize). Next() takes samples in draw order, so batches are
// identical whatever the number of workers. num_workers = 0 does all the work inside Next().
//
// Failures: a sample that fails (bad JSON or image, tokenisation) is skipped with a warning and
// counted in stats().skipped, or with `strict` (or when it was drawn from a source whose
// strict() is true, e.g. a `webdataset { strict: true }`) ends the stream with that error; one
// whose image does not fit max_length is dropped and counted in stats().dropped_too_long; a
// long run of failures (max_consecutive_failures) is an error naming the last one. A mixture error
// (e.g. an unreadable shard in strict mode) is returned by Next(), and every later call returns
// it again. Destruction stops and joins the threads, finishing only the samples in progress.
//
// Packing (`packing`): a batch is `batch_size` rows of up to chat.max_length tokens, filled by
// greedy first-fit in draw order (row_packer.h; a sample is never split, and the chat
// template already cut it to max_length); the first sample that fits no row starts the next
// batch. Batches come from PackBatch (segment ids and positions per sample); the prefetch
// window grows to prefetch_batches of the largest batch seen, in samples. position() stays
// exact: it is the position after the last sample of a returned batch, so a resumed loader
// draws the waiting sample again.
#ifndef VLMLAB_PLATFORM_DATA_DATA_LOADER_H_
#define VLMLAB_PLATFORM_DATA_DATA_LOADER_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/data/batch.h"
#include "platform/data/chat_template.h"
#include "platform/data/image_preprocess.h"
#include "platform/data/mixture.h"
#include "platform/plugin_api/tokenizer.h"

namespace vlmlab::data {

struct LoaderOptions {
  int64_t batch_size = 8;
  int num_workers = 2;
  int64_t prefetch_batches = 4;
  bool strict = false;
  bool drop_last = false;           // at the end of a finite stream, drop a short last batch
  bool keep_sample_images = false;  // Batch::samples keep their decoded Images
  // This many failed samples in a row (skipped or dropped) end the stream with an error rather
  // than searching forever (e.g. every image too large for max_length).
  int64_t max_consecutive_failures = 1000;
  // Stage data policies (StageDataPolicy in platform/plugin_api/pipeline_plugins.h):
  // this share of samples, picked by a counter-based uniform of (seed, draw index), lose their
  // images and "<image>" placeholders;
  float text_only_fraction = 0;
  uint64_t seed = 0;
  // every sample becomes two rows, chosen then rejected (rows 2i and 2i + 1; batch_size counts
  // pairs); samples without a PreferenceAnnotation are skipped (stats().skipped_no_preference).
  bool preference_pairs = false;
  // Several samples per row (see above): batch_size counts rows of chat.max_length tokens
  // (which must be > 0). Not with preference_pairs, whose rows must stay whole.
  bool packing = false;
  ImagePreprocessOptions image;
  ChatTemplateOptions chat;
};

struct LoaderStats {
  int64_t batches = 0;
  int64_t samples = 0;                // samples delivered in batches (a preference pair is one)
  int64_t skipped = 0;                // bad samples skipped (not strict)
  int64_t dropped_too_long = 0;       // an image did not fit max_length
  int64_t truncated = 0;              // text cut at max_length
  int64_t skipped_no_preference = 0;  // preference_pairs: samples without an annotation
  int64_t real_tokens = 0;            // tokens of the samples delivered
  int64_t batch_tokens = 0;           // rows x length of the batches delivered (real + padding)
  // The share of delivered batch tokens that are padding.
  double padding_fraction() const {
    return batch_tokens > 0 ? 1.0 - static_cast<double>(real_tokens) / batch_tokens : 0.0;
  }
};

class DataLoader {
 public:
  // `tokenizer` must outlive the loader and be safe to use from several threads (Encode is
  // const). `resume`: a position from position() of an earlier run with the same sources.
  static absl::StatusOr<std::unique_ptr<DataLoader>> Create(
      std::unique_ptr<Mixture> mixture, const Tokenizer* tokenizer, const LoaderOptions& options,
      const MixturePosition* resume = nullptr);
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  // The next batch; nullopt when a non-cycling mixture is exhausted (a last short batch comes
  // first unless drop_last).
  absl::StatusOr<std::optional<Batch>> Next();
  // Where the stream stands after the last batch Next() returned.
  MixturePosition position() const;
  LoaderStats stats() const;

 private:
  struct Slot;
  DataLoader(std::unique_ptr<Mixture> mixture, const Tokenizer* tokenizer,
             const LoaderOptions& options);
  void Start();
  void ProducerLoop();
  void WorkerLoop();
  // Draws one slot from the mixture (producer thread, or Next() without workers).
  std::shared_ptr<Slot> Draw();
  void Process(Slot& slot) const;
  // The next slot in draw order, finished.
  std::shared_ptr<Slot> TakeNext();
  // A sample that processed, with its rows and the mixture position after it.
  struct Taken {
    std::vector<ProcessedSample> rows;
    MixturePosition after;
  };
  // The next sample that processed; the failures before it are counted and passed (position_
  // moves past them), or end the stream (error_). nullopt at the end of a finite mixture.
  absl::StatusOr<std::optional<Taken>> TakeSample();
  absl::StatusOr<std::optional<Batch>> NextPadded();
  absl::StatusOr<std::optional<Batch>> NextPacked();
  Batch Deliver(Batch batch, int64_t samples);  // updates stats_

  std::unique_ptr<Mixture> mixture_;
  const Tokenizer* tokenizer_;
  LoaderOptions options_;
  int32_t pad_id_;
  int64_t capacity_;  // samples in the window; guarded by mu_ (grows with packing)

  mutable std::mutex mu_;
  std::condition_variable space_cv_;          // producer: the window has room
  std::condition_variable work_cv_;           // workers: work queued
  std::condition_variable done_cv_;           // consumer: a slot finished
  std::deque<std::shared_ptr<Slot>> window_;  // drawn, in order
  std::deque<std::shared_ptr<Slot>> work_;    // drawn, not yet started
  bool stop_ = false;

  std::thread producer_;
  std::vector<std::thread> workers_;

  // Consumer state (Next() is not thread-safe).
  MixturePosition position_;
  LoaderStats stats_;
  absl::Status error_;  // sticky
  bool ended_ = false;
  int64_t consecutive_failures_ = 0;
  std::optional<Taken> waiting_;  // packing: drawn, but it did not fit the last batch
};

}  // namespace vlmlab::data

#endif  // VLMLAB_PLATFORM_DATA_DATA_LOADER_H_
