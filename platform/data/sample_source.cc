#include "platform/data/sample_source.h"

#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "platform/tensor/counter_random.h"

namespace vlmlab::data {

absl::StatusOr<std::optional<Sample>> NextSample(SampleSource& source, bool strict,
                                                 int64_t* skipped) {
  while (true) {
    absl::StatusOr<std::optional<SampleTask>> task = source.Next();
    if (!task.ok()) return task.status();
    if (!task->has_value()) return std::optional<Sample>();
    absl::StatusOr<Sample> sample = (**task)();
    if (sample.ok()) return std::optional<Sample>(std::move(*sample));
    if (strict) return sample.status();
    if (skipped != nullptr) ++*skipped;
    LOG(WARNING) << "skipping a bad sample of " << source.name() << ": "
                 << sample.status().message();
  }
}

std::vector<int64_t> EpochPermutation(int64_t n, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  const uint64_t stream = Mix64(seed ^ Mix64(static_cast<uint64_t>(epoch) + 0x5eed));
  for (int64_t i = n - 1; i > 0; --i) {
    const uint64_t j = CounterBits(stream, i) % static_cast<uint64_t>(i + 1);
    std::swap(order[i], order[j]);
  }
  return order;
}

IndexedSource::IndexedSource(std::string name, int64_t size,
                             std::function<absl::StatusOr<Sample>(int64_t)> get, bool shuffle,
                             uint64_t seed, SourceStats stats)
    : name_(std::move(name)),
      size_(size),
      get_(std::make_shared<const std::function<absl::StatusOr<Sample>(int64_t)>>(std::move(get))),
      shuffle_(shuffle),
      seed_(seed),
      stats_(stats) {
  CHECK_GE(size_, 0);
  if (shuffle_) order_ = EpochPermutation(size_, seed_, 0);
}

absl::StatusOr<Sample> IndexedSource::Get(int64_t index) const {
  if (index < 0 || index >= size_) {
    return absl::OutOfRangeError(
        absl::StrCat(name_, ": index ", index, " is outside [0, ", size_, ")"));
  }
  return (*get_)(index);
}

absl::StatusOr<std::optional<SampleTask>> IndexedSource::Next() {
  if (position_.drawn >= size_) return std::optional<SampleTask>();
  const int64_t index = shuffle_ ? order_[position_.drawn] : position_.drawn;
  ++position_.drawn;
  SampleTask task = [get = get_, index]() { return (*get)(index); };
  return std::optional<SampleTask>(std::move(task));
}

absl::Status IndexedSource::Seek(const SourcePosition& position) {
  if (position.epoch < 0 || position.drawn < 0 || position.drawn > size_) {
    return absl::OutOfRangeError(
        absl::StrCat(name_, ": cannot seek to epoch ", position.epoch, " sample ", position.drawn,
                     ": the source has ", size_,
                     " samples (was the dataset changed since the position was saved?)"));
  }
  if (shuffle_ && position.epoch != position_.epoch) {
    order_ = EpochPermutation(size_, seed_, position.epoch);
  }
  position_ = position;
  return absl::OkStatus();
}

}  // namespace vlmlab::data
