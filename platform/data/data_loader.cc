#include "platform/data/data_loader.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "platform/data/row_packer.h"
#include "platform/tensor/counter_random.h"

namespace vlmlab::data {

struct DataLoader::Slot {
  SampleTask task;
  MixturePosition after;  // the mixture's position once this slot was drawn
  absl::Status fatal;     // the mixture failed: the stream ends with this error
  bool end = false;       // the mixture is exhausted
  bool strict = false;    // drawn from a strict source: its failure ends the stream
  bool done = false;      // guarded by mu_
  // One row, or two (chosen, rejected) with preference_pairs.
  absl::StatusOr<std::vector<ProcessedSample>> result = absl::UnknownError("not processed");
};

DataLoader::DataLoader(std::unique_ptr<Mixture> mixture, const Tokenizer* tokenizer,
                       const LoaderOptions& options)
    : mixture_(std::move(mixture)),
      tokenizer_(tokenizer),
      options_(options),
      pad_id_(PadId(*tokenizer)),
      capacity_(options.batch_size * options.prefetch_batches) {}

absl::StatusOr<std::unique_ptr<DataLoader>> DataLoader::Create(std::unique_ptr<Mixture> mixture,
                                                               const Tokenizer* tokenizer,
                                                               const LoaderOptions& options,
                                                               const MixturePosition* resume) {
  if (mixture == nullptr || tokenizer == nullptr) {
    return absl::InvalidArgumentError("data loader: needs a mixture and a tokenizer");
  }
  if (options.batch_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("data loader: batch_size ", options.batch_size, " must be >= 1"));
  }
  if (options.num_workers < 0 || options.num_workers > 256) {
    return absl::InvalidArgumentError(
        absl::StrCat("data loader: num_workers ", options.num_workers, " must be in [0, 256]"));
  }
  if (options.prefetch_batches < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("data loader: prefetch_batches ", options.prefetch_batches, " must be >= 1"));
  }
  if (options.max_consecutive_failures < 1) {
    return absl::InvalidArgumentError("data loader: max_consecutive_failures must be >= 1");
  }
  if (options.packing && options.chat.max_length <= 0) {
    return absl::InvalidArgumentError(
        "data loader: packing needs chat.max_length > 0, the length of a packed row");
  }
  if (options.packing && options.preference_pairs) {
    return absl::InvalidArgumentError(
        "data loader: packing cannot be combined with preference_pairs (a preference stage "
        "compares whole rows); turn packing off for this stage");
  }
  if (absl::Status s = ValidatePreprocessOptions(options.image); !s.ok()) return s;
  if (resume != nullptr) {
    if (absl::Status s = mixture->Seek(*resume); !s.ok()) return s;
  }
  std::unique_ptr<DataLoader> loader(new DataLoader(std::move(mixture), tokenizer, options));
  loader->position_ = loader->mixture_->position();
  loader->Start();
  return loader;
}

void DataLoader::Start() {
  if (options_.num_workers == 0) return;
  producer_ = std::thread([this] { ProducerLoop(); });
  for (int i = 0; i < options_.num_workers; ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

DataLoader::~DataLoader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  space_cv_.notify_all();
  work_cv_.notify_all();
  done_cv_.notify_all();
  if (producer_.joinable()) producer_.join();
  for (std::thread& w : workers_) w.join();
}

std::shared_ptr<DataLoader::Slot> DataLoader::Draw() {
  auto slot = std::make_shared<Slot>();
  absl::StatusOr<std::optional<Mixture::Draw>> draw = mixture_->Next();
  if (!draw.ok()) {
    slot->fatal = draw.status();
  } else if (!draw->has_value()) {
    slot->end = true;
  } else {
    slot->task = std::move((*draw)->task);
    slot->strict = (*draw)->strict;
    slot->after = mixture_->position();
  }
  return slot;
}

void DataLoader::Process(Slot& slot) const {
  absl::StatusOr<Sample> sample = slot.task();
  if (!sample.ok()) {
    slot.result = sample.status();
    return;
  }
  if (options_.text_only_fraction > 0 &&
      CounterUniform(options_.seed, static_cast<uint64_t>(slot.after.step)) <
          options_.text_only_fraction) {
    StripImages(*sample);
  }
  std::vector<Sample> rows;
  if (options_.preference_pairs) {
    absl::StatusOr<std::pair<Sample, Sample>> pair = PreferenceRows(std::move(*sample));
    if (!pair.ok()) {
      slot.result = pair.status();
      return;
    }
    rows.push_back(std::move(pair->first));
    rows.push_back(std::move(pair->second));
  } else {
    rows.push_back(std::move(*sample));
  }
  std::vector<ProcessedSample> out;
  for (Sample& row : rows) {
    absl::StatusOr<ProcessedSample> p =
        ProcessSample(std::move(row), *tokenizer_, options_.image, options_.chat);
    if (!p.ok()) {
      slot.result = p.status();
      return;
    }
    out.push_back(std::move(*p));
  }
  slot.result = std::move(out);
}

void DataLoader::ProducerLoop() {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      space_cv_.wait(lock,
                     [&] { return stop_ || static_cast<int64_t>(window_.size()) < capacity_; });
      if (stop_) return;
    }
    std::shared_ptr<Slot> slot = Draw();
    const bool last = !slot->fatal.ok() || slot->end;
    {
      std::lock_guard<std::mutex> lock(mu_);
      window_.push_back(slot);
      if (last) {
        slot->done = true;
      } else {
        work_.push_back(slot);
      }
    }
    if (last) {
      done_cv_.notify_all();
      return;
    }
    work_cv_.notify_one();
  }
}

void DataLoader::WorkerLoop() {
  while (true) {
    std::shared_ptr<Slot> slot;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return stop_ || !work_.empty(); });
      if (stop_) return;
      slot = std::move(work_.front());
      work_.pop_front();
    }
    Process(*slot);
    slot->task = nullptr;  // release the raw bytes early
    {
      std::lock_guard<std::mutex> lock(mu_);
      slot->done = true;
    }
    done_cv_.notify_all();
  }
}

std::shared_ptr<DataLoader::Slot> DataLoader::TakeNext() {
  if (options_.num_workers == 0) {
    std::shared_ptr<Slot> slot = Draw();
    if (slot->fatal.ok() && !slot->end) Process(*slot);
    return slot;
  }
  std::shared_ptr<Slot> slot;
  {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return !window_.empty() && window_.front()->done; });
    slot = std::move(window_.front());
    window_.pop_front();
  }
  space_cv_.notify_one();
  return slot;
}

absl::StatusOr<std::optional<DataLoader::Taken>> DataLoader::TakeSample() {
  while (!ended_) {
    std::shared_ptr<Slot> slot = TakeNext();
    if (!slot->fatal.ok()) {
      error_ = slot->fatal;
      return error_;
    }
    if (slot->end) {
      ended_ = true;
      break;
    }
    if (slot->result.ok()) {
      consecutive_failures_ = 0;
      for (const ProcessedSample& row : *slot->result) {
        if (row.tokens.truncated) ++stats_.truncated;
      }
      return std::optional<Taken>(Taken{std::move(*slot->result), slot->after});
    }
    position_ = slot->after;  // a failed sample is passed for good
    const absl::Status& status = slot->result.status();
    if (absl::IsNotFound(status) && options_.preference_pairs &&
        absl::StrContains(status.message(), kNoPreference)) {
      ++stats_.skipped_no_preference;
    } else if (absl::IsResourceExhausted(status)) {
      ++stats_.dropped_too_long;
      LOG(WARNING) << "data loader: dropping a sample: " << status.message();
    } else if (options_.strict || slot->strict) {
      error_ = absl::Status(status.code(), absl::StrCat(status.message(),
                                                        " (strict: set strict false to skip "
                                                        "bad samples)"));
      return error_;
    } else {
      ++stats_.skipped;
      LOG(WARNING) << "data loader: skipping a bad sample: " << status.message();
    }
    if (++consecutive_failures_ >= options_.max_consecutive_failures) {
      error_ = absl::FailedPreconditionError(
          absl::StrCat("data loader: the last ", consecutive_failures_,
                       " samples all failed (skipped or dropped); the last: ", status.message()));
      return error_;
    }
  }
  return std::optional<Taken>();
}

absl::StatusOr<std::optional<Batch>> DataLoader::Next() {
  if (!error_.ok()) return error_;
  return options_.packing ? NextPacked() : NextPadded();
}

absl::StatusOr<std::optional<Batch>> DataLoader::NextPadded() {
  std::vector<ProcessedSample> samples;  // rows
  int64_t taken = 0;                     // samples (a preference pair is one sample)
  while (taken < options_.batch_size) {
    absl::StatusOr<std::optional<Taken>> next = TakeSample();
    if (!next.ok()) return next.status();
    if (!next->has_value()) break;
    position_ = (*next)->after;
    ++taken;
    for (ProcessedSample& row : (*next)->rows) samples.push_back(std::move(row));
  }
  if (samples.empty()) return std::optional<Batch>();
  if (ended_ && options_.drop_last && taken < options_.batch_size) {
    return std::optional<Batch>();
  }
  return std::optional<Batch>(
      Deliver(CollateBatch(std::move(samples), pad_id_, options_.keep_sample_images), taken));
}

absl::StatusOr<std::optional<Batch>> DataLoader::NextPacked() {
  RowPacker packer(options_.batch_size, options_.chat.max_length);
  std::vector<std::vector<ProcessedSample>> rows;
  int64_t taken = 0;
  while (!packer.Full()) {
    std::optional<Taken> next;
    if (waiting_.has_value()) {
      next = std::move(waiting_);
      waiting_.reset();
    } else {
      absl::StatusOr<std::optional<Taken>> drawn = TakeSample();
      if (!drawn.ok()) return drawn.status();
      if (!drawn->has_value()) break;
      next = std::move(*drawn);
    }
    ProcessedSample& sample = next->rows.front();  // one row: packing excludes pairs
    const int64_t length = static_cast<int64_t>(sample.tokens.input_ids.size());
    const int64_t row = packer.Place(length);
    if (row < 0) {
      if (rows.empty()) {  // the chat template's max_length should have prevented this
        error_ = absl::InternalError(absl::StrCat(
            "data loader: sample \"", sample.sample.key, "\" has ", length,
            " tokens, more than a packed row's chat.max_length ", options_.chat.max_length));
        return error_;
      }
      waiting_ = std::move(next);  // starts the next batch
      break;
    }
    position_ = next->after;
    ++taken;
    if (row == static_cast<int64_t>(rows.size())) rows.emplace_back();
    rows[row].push_back(std::move(sample));
  }
  if (rows.empty()) return std::optional<Batch>();
  if (ended_ && options_.drop_last && static_cast<int64_t>(rows.size()) < options_.batch_size) {
    return std::optional<Batch>();
  }
  return std::optional<Batch>(
      Deliver(PackBatch(std::move(rows), pad_id_, options_.keep_sample_images), taken));
}

Batch DataLoader::Deliver(Batch batch, int64_t samples) {
  if (options_.packing && options_.num_workers > 0) {
    // batch_size counts rows here: let the window hold prefetch_batches of the largest batch
    // seen so far, in samples, so the workers keep ahead (the order does not depend on it).
    bool grew = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (samples * options_.prefetch_batches > capacity_) {
        capacity_ = samples * options_.prefetch_batches;
        grew = true;
      }
    }
    if (grew) space_cv_.notify_one();
  }
  ++stats_.batches;
  stats_.samples += samples;
  stats_.batch_tokens += batch.attention_mask.numel();
  for (int32_t m : batch.attention_mask.ToInts()) stats_.real_tokens += m != 0;
  return batch;
}

MixturePosition DataLoader::position() const { return position_; }

LoaderStats DataLoader::stats() const { return stats_; }

}  // namespace vlmlab::data
